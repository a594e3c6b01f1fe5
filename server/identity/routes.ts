/**
 * POST /auth/guest `{ name }` → a guest token (IssuedToken);
 * POST /auth/refresh with `Authorization: Bearer <token>` → the same guest, a later expiry;
 *   with a body `{ name }`, under that name (a player who signed in before typing one).
 * Refusals answer with the AuthErrorCode as status and `{ code, error }`, as matchmaking does.
 */
import express, { type Application, type Response } from "express";
import { z } from "zod";
import { GUEST_SIGN_IN_PATH, MAX_NAME_LENGTH, TOKEN_REFRESH_PATH } from "../../shared/protocol.ts";
import { IdentityError, type IdentityVerifier } from "./tokens.ts";

const GuestName = z.string().trim()
  .min(1, "Pick a name.")
  .max(MAX_NAME_LENGTH, `Names are at most ${MAX_NAME_LENGTH} characters.`)
  .regex(/^[^\p{C}]+$/u, "Names cannot contain control characters.");
const GuestRequest = z.object({ name: GuestName });
const RefreshRequest = z.object({ name: GuestName.optional() });

export function mountIdentityRoutes(app: Application, verifier: IdentityVerifier): void {
  app.post(GUEST_SIGN_IN_PATH, express.json({ limit: "1kb" }), async (req, res) => {
    const parsed = GuestRequest.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ code: 400, error: parsed.error.issues[0].message });
      return;
    }
    res.status(201).json(await verifier.issueGuest(parsed.data.name));
  });

  app.post(TOKEN_REFRESH_PATH, express.json({ limit: "1kb" }), async (req, res) => {
    const bearer = /^Bearer (.+)$/.exec(req.get("authorization") ?? "")?.[1];
    const parsed = RefreshRequest.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ code: 400, error: parsed.error.issues[0].message });
      return;
    }
    try {
      res.json(await verifier.refresh(bearer, parsed.data.name));
    } catch (error) {
      refuse(res, error);
    }
  });
}

function refuse(res: Response, error: unknown): void {
  if (!(error instanceof IdentityError)) throw error;
  res.status(error.code).json({ code: error.code, error: error.message });
}
