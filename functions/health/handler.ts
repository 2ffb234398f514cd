/**
 * `GET /health` of the upload API, the one route without authorization (Route 53's health checkers
 * cannot present a token): it answers that API Gateway and Lambda of the sovereign partition serve
 * requests, and nothing else. It reads no event field, no environment, no data and calls no AWS API;
 * its role may do no more than every function's (own logs, network interfaces, dead letters, key).
 * The guardrail SIP-APIGW-1 accepts the route only while that holds (policies/core/health-route.ts).
 */

/** The only answer: a status, never cached. */
export const HEALTH_RESPONSE = {
  statusCode: 200,
  headers: { "content-type": "application/json", "cache-control": "no-store" },
  body: JSON.stringify({ status: "ok" }),
} as const;

export async function handler(): Promise<typeof HEALTH_RESPONSE> {
  return HEALTH_RESPONSE;
}
