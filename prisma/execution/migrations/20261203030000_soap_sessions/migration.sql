-- Sessions of the SOAP surface (xtk:session#Logon, #BearerTokenLogon): stored here so that any
-- API process serves the next call; they expire, and end with their API key (joined by name).
CREATE TABLE "soap_sessions" (
    "token_hash" TEXT NOT NULL,
    "security_token_hash" TEXT NOT NULL,
    "key_name" TEXT NOT NULL,
    "login" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "soap_sessions_pkey" PRIMARY KEY ("token_hash")
);

CREATE INDEX "soap_sessions_expires_at_idx" ON "soap_sessions"("expires_at");
