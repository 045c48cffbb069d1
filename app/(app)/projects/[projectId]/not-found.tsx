import Link from "next/link";
import { EmptyState } from "@/components/ui/states";

/** A project that does not exist or that the viewer is not a member of: the same page either way. */
export default function ProjectNotFound() {
  return (
    <EmptyState title="Project not found" action={<Link className="text-sm font-medium text-indigo-700 hover:text-indigo-600" href="/projects">Back to projects</Link>}>
      It may have been deleted, or you do not have access to it.
    </EmptyState>
  );
}
