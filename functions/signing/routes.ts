/** The signing function's route: `POST /v1/objects/{id}/signatures`. */
import { decodedPathSegment, type HttpApiRequest } from "../shared/http-api";

export const SIGN_ROUTE_KEY = "POST /v1/objects/{id}/signatures";

export type SigningRoute = { readonly kind: "sign"; readonly id: string };

export type RouteMatch =
  | SigningRoute
  | { readonly kind: "unknown"; readonly path: string }
  | { readonly kind: "method"; readonly path: string };

/** The route of a request: from API Gateway's `routeKey` and path parameters, else from the path (direct invocation). */
export function routeOf(event: HttpApiRequest): RouteMatch {
  const path = event.requestContext.http.path.replace(/(.)\/+$/, "$1");
  const method = event.requestContext.http.method.toUpperCase();
  let route: SigningRoute | undefined;
  if (event.routeKey === SIGN_ROUTE_KEY) route = { kind: "sign", id: event.pathParameters?.id ?? "" };
  else {
    const id = /^\/v1\/objects\/([^/]+)\/signatures$/.exec(path)?.[1];
    if (id !== undefined) route = { kind: "sign", id: decodedPathSegment(id) };
  }
  if (route === undefined) return { kind: "unknown", path };
  return method === "POST" ? route : { kind: "method", path };
}
