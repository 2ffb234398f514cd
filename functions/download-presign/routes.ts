/** The download function's routes: `GET /v1/objects` and `GET /v1/objects/{id}`. */
import { decodedPathSegment, type HttpApiRequest } from "../shared/http-api";

export type DownloadRoute = { readonly kind: "list" } | { readonly kind: "object"; readonly id: string };

export type RouteMatch =
  | DownloadRoute
  | { readonly kind: "unknown"; readonly path: string }
  | { readonly kind: "method"; readonly path: string };

/** The route of a request: from API Gateway's `routeKey` and path parameters, else from the path (direct invocation). */
export function routeOf(event: HttpApiRequest): RouteMatch {
  const path = event.requestContext.http.path.replace(/(.)\/+$/, "$1");
  const method = event.requestContext.http.method.toUpperCase();
  let route: DownloadRoute | undefined;
  if (event.routeKey === "GET /v1/objects") route = { kind: "list" };
  else if (event.routeKey === "GET /v1/objects/{id}") route = { kind: "object", id: event.pathParameters?.id ?? "" };
  else if (path === "/v1/objects") route = { kind: "list" };
  else {
    const id = /^\/v1\/objects\/([^/]+)$/.exec(path)?.[1];
    if (id !== undefined) route = { kind: "object", id: decodedPathSegment(id) };
  }
  if (route === undefined) return { kind: "unknown", path };
  return method === "GET" ? route : { kind: "method", path };
}
