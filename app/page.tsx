import { redirect } from "next/navigation";
import { auth } from "@/server/auth/auth";

export const dynamic = "force-dynamic";

export default async function Home() {
  redirect((await auth()) ? "/projects" : "/sign-in");
}
