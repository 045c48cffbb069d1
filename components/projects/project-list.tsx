"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/states";
import { CreateProjectForm } from "./create-project-form";

export function ProjectList() {
  const trpc = useTRPC();
  const projects = useSuspenseQuery(trpc.project.list.queryOptions());
  const [creating, setCreating] = useState(false);

  return (
    <div className="space-y-6">
      <div className="flex items-center justify-between gap-4">
        <h1 className="text-2xl font-bold tracking-tight">Projects</h1>
        {!creating && <Button onClick={() => setCreating(true)}>New project</Button>}
      </div>
      {creating && (
        <section className="rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
          <h2 className="mb-4 text-base font-semibold">New project</h2>
          <CreateProjectForm onDone={() => setCreating(false)} />
        </section>
      )}
      {projects.data.length === 0 ? (
        !creating && (
          <EmptyState title="No projects yet" action={<Button onClick={() => setCreating(true)}>Create your first project</Button>}>
            A project is a git repository the agents work in. Start empty, or import one.
          </EmptyState>
        )
      ) : (
        <ul role="list" aria-label="Your projects" className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {projects.data.map((project) => (
            <li key={project.id}>
              <Link
                href={`/projects/${project.id}`}
                className="block h-full rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200 transition hover:ring-indigo-400"
              >
                <p className="font-semibold text-slate-900">{project.name}</p>
                <p className="mt-1 line-clamp-2 text-sm text-slate-500">{project.description || "No description"}</p>
                <p className="mt-3 text-xs text-slate-500">
                  {project.role} · updated {project.updatedAt.toLocaleDateString()}
                </p>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
