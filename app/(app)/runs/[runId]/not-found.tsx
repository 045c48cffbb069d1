import Link from "next/link";
import { EmptyState } from "@/components/ui/states";

/** A run that does not exist or that the viewer may not see: the same page either way (no existence leak). */
export default function RunNotFound() {
  return (
    <EmptyState title="Run not found" action={<Link className="text-sm font-medium text-indigo-700 hover:text-indigo-600" href="/projects">Back to projects</Link>}>
      It may have been deleted, or you do not have access to it.
    </EmptyState>
  );
}
