-- CreateEnum
CREATE TYPE "EnvironmentState" AS ENUM ('NONE', 'BUILDING', 'READY', 'FAILED');

-- CreateTable
CREATE TABLE "ProjectEnvironment" (
    "projectId" TEXT NOT NULL,
    "state" "EnvironmentState" NOT NULL DEFAULT 'NONE',
    "language" TEXT,
    "setupScript" TEXT,
    "testCommand" TEXT,
    "setupTimeoutS" INTEGER,
    "secretsCipher" TEXT,
    "inputsHash" TEXT,
    "imageTag" TEXT,
    "imageBytes" BIGINT,
    "buildMs" INTEGER,
    "trigger" TEXT,
    "log" TEXT NOT NULL DEFAULT '',
    "error" TEXT,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProjectEnvironment_pkey" PRIMARY KEY ("projectId")
);

-- CreateTable
CREATE TABLE "SuiteBaseline" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "commit" TEXT NOT NULL,
    "inputsHash" TEXT NOT NULL,
    "tests" JSONB NOT NULL,
    "passed" BOOLEAN NOT NULL,
    "reason" TEXT,
    "durationMs" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SuiteBaseline_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SuiteBaseline_projectId_commit_inputsHash_key" ON "SuiteBaseline"("projectId", "commit", "inputsHash");

-- AddForeignKey
ALTER TABLE "ProjectEnvironment" ADD CONSTRAINT "ProjectEnvironment_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SuiteBaseline" ADD CONSTRAINT "SuiteBaseline_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
