import type { Metadata } from "next";
import type { ReactNode } from "react";
import { TrpcReactProvider } from "@/components/providers/trpc-provider";
import { THEME_SCRIPT } from "@/components/ui/theme-script";
import { ThemeSync } from "@/components/ui/theme-toggle";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "AutoCodeAI", template: "%s · AutoCodeAI" },
  description: "Self-hosted multi-agent AI coding: every result it reports was executed, not merely asserted.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The theme script sets data-theme before React hydrates: the attribute differs from the server's by design.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen font-sans">
        <ThemeSync />
        {/* First in the tab order: keyboard users jump past the header to the page's own content. */}
        <a href="#main" className="sr-only focus:not-sr-only focus:fixed focus:left-3 focus:top-3 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:font-semibold focus:text-indigo-700 focus:shadow-lg focus:ring-2 focus:ring-indigo-600">
          Skip to content
        </a>
        <TrpcReactProvider>{children}</TrpcReactProvider>
      </body>
    </html>
  );
}
