import { Gone } from "@/components/runs/shared-run-page";

/** What an unknown or revoked share link shows, with HTTP 404, inside the share layout. */
export default function ShareNotFound() {
  return <Gone />;
}
