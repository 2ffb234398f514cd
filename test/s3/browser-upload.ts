/**
 * What a browser does with the upload API: asks for a pre-signed POST (an HTTP API v2 event with the
 * verified JWT claims, as API Gateway hands it to the upload function) and submits the form to S3.
 */
import type { HttpApiEvent, HttpApiResult } from "../../functions/shared/http-api";
import type { PresignedPost } from "../../functions/upload-presign/presign";

export interface UploadRequest {
  readonly fileName: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly dataClass: string;
}

/** `POST /v1/uploads` as API Gateway delivers it, with `claims` verified by the JWT authorizer. */
export function uploadApiEvent(claims: { tenant: string; subject: string }, request: UploadRequest): unknown {
  return {
    version: "2.0",
    routeKey: "POST /v1/uploads",
    rawPath: "/v1/uploads",
    requestContext: {
      requestId: "r1",
      http: { method: "POST", path: "/v1/uploads" },
      authorizer: { jwt: { claims: { tenant: claims.tenant, sub: claims.subject } } },
    },
    body: JSON.stringify(request),
    isBase64Encoded: false,
  };
}

/** Submits the pre-signed POST's form with `file`, like a browser; resolves to the S3 answer's status. */
export async function submitForm(issued: HttpApiResult, file: Uint8Array, fileName: string) {
  const post = JSON.parse(issued.body) as PresignedPost;
  const form = new FormData();
  for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
  form.append("file", new Blob([file]), fileName);
  const response = await fetch(post.url, { method: "POST", body: form });
  return { post, status: response.status };
}

/** `GET /v1/objects` (no `id`) or `GET /v1/objects/{id}` as API Gateway delivers it, with verified JWT `claims`. */
export function downloadApiEvent(
  claims: Readonly<Record<string, string>>,
  id?: string,
  query?: Readonly<Record<string, string>>,
): HttpApiEvent {
  const path = id === undefined ? "/v1/objects" : `/v1/objects/${id}`;
  return {
    version: "2.0",
    routeKey: id === undefined ? "GET /v1/objects" : "GET /v1/objects/{id}",
    rawPath: path,
    ...(id === undefined ? {} : { pathParameters: { id } }),
    ...(query === undefined ? {} : { queryStringParameters: { ...query } }),
    requestContext: {
      requestId: "r-1",
      http: { method: "GET", path },
      authorizer: { jwt: { claims: { iss: "https://idp.example", aud: "app", ...claims } } },
    },
  };
}
