/**
 * TLS for specs: a self-signed certificate for 127.0.0.1 made with openssl,
 * and HTTPS / WSS requests that trust it (and nothing else).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SelfSigned { certPath: string; keyPath: string; pemPath: string; cert: string }

/** A fresh key and certificate for CN=127.0.0.1 (with the IP as subjectAltName), plus both in one PEM as HAProxy wants. */
export function selfSignedCertificate(): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), "tickforge-tls-"));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  const cert = readFileSync(certPath, "utf8");
  const pemPath = join(dir, "haproxy.pem");
  writeFileSync(pemPath, cert + readFileSync(keyPath, "utf8"));
  return { certPath, keyPath, pemPath, cert };
}

/** An HTTPS request trusting only `ca`; resolves with the status and the parsed JSON body. */
export function httpsJson(url: string, ca: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", headers: init.headers, ca }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => {
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, body });
      });
    });
    req.on("error", reject);
    req.end(init.body);
  });
}
