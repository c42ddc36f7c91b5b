-- What a Campaign Classic producer sent that our event has no field for: the event element's
-- other attributes (origin, language, …) and the <ctx> XML as received, kept beside the JSON ctx.
ALTER TABLE "events" ADD COLUMN "acc_attributes" JSONB, ADD COLUMN "ctx_xml" TEXT;
