-- A project's remote for pushing run branches and opening pull requests (issue #14)
CREATE TABLE "ProjectRemote" (
    "projectId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "apiUrl" TEXT NOT NULL,
    "repository" TEXT NOT NULL,
    "tokenCipher" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProjectRemote_pkey" PRIMARY KEY ("projectId")
);

ALTER TABLE "ProjectRemote" ADD CONSTRAINT "ProjectRemote_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
