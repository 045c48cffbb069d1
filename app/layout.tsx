import type { Metadata } from "next";
import type { ReactNode } from "react";
import { TrpcReactProvider } from "@/components/providers/trpc-provider";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "AutoCodeAI", template: "%s · AutoCodeAI" },
  description: "Self-hosted multi-agent AI coding: every result it reports was executed, not merely asserted.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <TrpcReactProvider>{children}</TrpcReactProvider>
      </body>
    </html>
  );
}
