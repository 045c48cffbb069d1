"use client";

import { QueryErrorResetBoundary } from "@tanstack/react-query";
import { Component, Suspense, type ReactNode } from "react";
import { ErrorState, LoadingState } from "./states";

type CatchProps = { onReset: () => void; children: ReactNode };

class CatchError extends Component<CatchProps, { error: Error | null }> {
  state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    const retry = () => {
      this.props.onReset();
      this.setState({ error: null });
    };
    return <ErrorState message={this.state.error.message || "This part could not be loaded."} onRetry={retry} />;
  }
}

/**
 * A section that reads with suspense: its loading state is the Suspense fallback, and a failed read shows the
 * error with "Try again" in place of the section only, so the rest of the page stays usable.
 */
export function QueryBoundary({ loading, children }: { loading: string; children: ReactNode }) {
  return (
    <QueryErrorResetBoundary>
      {({ reset }) => (
        <CatchError onReset={reset}>
          <Suspense fallback={<LoadingState label={loading} />}>{children}</Suspense>
        </CatchError>
      )}
    </QueryErrorResetBoundary>
  );
}
