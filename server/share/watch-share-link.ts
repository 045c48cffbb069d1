import type { Db } from "@/server/db/client";
import { isShareLinkLive } from "./share-links";

/** How often a live share link is re-checked for revocation, once per link for all of its viewers in this process. */
export const REVOCATION_CHECK_MS = 2000;

interface Watch {
  onRevoked: Set<() => void>;
  timer: NodeJS.Timeout;
}
const watches = new Map<string, Watch>();

/**
 * Calls onRevoked once link linkId is found revoked (or deleted). However many viewers follow a link, the
 * process asks the database once per REVOCATION_CHECK_MS for it. Returns the stop function.
 */
export function watchShareLink(options: { db: Db; linkId: string; onRevoked: () => void }): () => void {
  const { linkId } = options;
  let watch = watches.get(linkId);
  if (!watch) {
    const created: Watch = {
      onRevoked: new Set(),
      timer: setInterval(() => {
        void isShareLinkLive({ db: options.db, linkId }).then((live) => {
          if (live || watches.get(linkId) !== created) return;
          clearInterval(created.timer);
          watches.delete(linkId);
          for (const revoked of created.onRevoked) revoked();
        }, () => undefined);
      }, REVOCATION_CHECK_MS),
    };
    created.timer.unref();
    watches.set(linkId, created);
    watch = created;
  }
  const owned = watch;
  owned.onRevoked.add(options.onRevoked);
  return () => {
    owned.onRevoked.delete(options.onRevoked);
    if (owned.onRevoked.size === 0 && watches.get(linkId) === owned) {
      clearInterval(owned.timer);
      watches.delete(linkId);
    }
  };
}
