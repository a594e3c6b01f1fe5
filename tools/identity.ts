/**
 * Clients with an identity for specs and tools: every SDK client they make signs in as a
 * guest first (POST /auth/guest), as the browser game does, before its first
 * matchmaking request.
 */
import { Client } from "@colyseus/sdk";
import { requestGuestToken, type IssuedToken } from "../shared/guest-api.ts";

export class GuestClient extends Client {
  /** Resolves once the guest token is set on this client (`client.auth.token`). */
  readonly identity: Promise<IssuedToken>;

  constructor(endpoint: string, name = "Tester") {
    super(endpoint);
    this.identity = requestGuestToken(endpoint, name).then((issued) => {
      this.auth.token = issued.token;
      return issued;
    });
  }

  protected override async createMatchMakeRequest<T>(...args: Parameters<Client["createMatchMakeRequest"]>) {
    await this.identity;
    return super.createMatchMakeRequest<T>(...(args as [string, string, any, any]));
  }
}

/** A guest token from `endpoint`, for requests made without the SDK. */
export async function guestToken(endpoint: string, name = "Tester"): Promise<string> {
  return (await requestGuestToken(endpoint, name)).token;
}
