import {
  Apigatewayv2Api,
  Apigatewayv2Authorizer,
  Apigatewayv2Integration,
  Apigatewayv2Route,
  Apigatewayv2Stage,
  LambdaPermission,
} from "../../framework/aws";
import { Construct } from "../../framework/cdktf";
import { HEALTH_CHECK_EXCEPTION, HEALTH_ROUTE_KEY } from "../../policies/core/exception-names";
import { ValidationError } from "../errors";
import type { KmsKey } from "../kms-key";
import { LambdaFunction } from "../lambda-function";
import { LogGroup } from "../log-group";
import type { Network } from "../network";
import type { Placement } from "../placement";

/**
 * JSON access log line: what, result, and the request id to correlate with the function's log. No
 * subject claim (often an e-mail address): next to the source IP it would be personal data in every
 * line; the function logs the subject's pseudonym.
 */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  routeKey: "$context.routeKey",
  status: "$context.status",
  sourceIp: "$context.identity.sourceIp",
  requestTime: "$context.requestTimeEpoch",
  latencyMs: "$context.responseLatency",
  integrationError: "$context.integrationErrorMessage",
  authorizerError: "$context.authorizer.error",
});

/** With AWS_IAM: the same, and who called (an operator's role session, verified by API Gateway). */
const IAM_ACCESS_LOG_FORMAT = JSON.stringify({
  ...JSON.parse(ACCESS_LOG_FORMAT),
  callerArn: "$context.identity.userArn",
});

export interface HttpApiRoute {
  /** `METHOD /path`, e.g. `POST /v1/uploads`. */
  readonly routeKey: string;
  readonly function: LambdaFunction;
}

/** Callers with tokens of an OIDC issuer: the function reads tenant and subject from the verified claims. */
export interface JwtAuthorization {
  /** OIDC issuer whose tokens are accepted (`iss`), https. */
  readonly jwtIssuer: string;
  /** Accepted audiences (`aud`). */
  readonly jwtAudience: readonly string[];
  readonly iamAuthorization?: never;
}

/**
 * Callers with AWS credentials: every request is SigV4-signed, API Gateway verifies the signature and
 * IAM allows `execute-api:Invoke` on the route (identity policies of the API's account), and the
 * function reads the caller's verified ARN (`requestContext.authorizer.iam.userArn`). For operators.
 */
export interface IamAuthorization {
  readonly iamAuthorization: true;
  readonly jwtIssuer?: never;
  readonly jwtAudience?: never;
}

/**
 * `GET /health` without authorization, for health checkers that cannot present a token (Route 53).
 * The API builds its function itself, from the health bundle only: no environment, reserved
 * concurrency 2, nothing granted beyond every function's basics, tagged as the named exception
 * `health-check`, which the guardrail SIP-APIGW-1 verifies by structure.
 */
export interface UnauthenticatedHealthRoute {
  /** The health function's zip (`health.zip` of scripts/bundle-functions.mjs; functions/health/). */
  readonly zipFile: string;
  /** The network the function runs in, like every function. */
  readonly network: Network;
  /** Key of the function's logs and dead-letter queue. */
  readonly key: KmsKey;
  /** This route's own throttle. @default 10 requests per second, bursts of 20 */
  readonly throttle?: { readonly ratePerSecond: number; readonly burst: number };
}

export type HttpApiProps = HttpApiCommonProps & (JwtAuthorization | IamAuthorization);

export interface HttpApiCommonProps {
  readonly placement: Placement;
  readonly name: string;
  /** Routes, every one behind the JWT authorizer (or, with `iamAuthorization`, AWS_IAM). */
  readonly routes: readonly HttpApiRoute[];
  /** Key of the access-log group. */
  readonly logKey: KmsKey;
  /** Web origins allowed to call the API from a browser. @default - none (no CORS) */
  readonly allowedOrigins?: readonly string[];
  /** @default 50 requests per second, bursts of 100 */
  readonly throttle?: { readonly ratePerSecond: number; readonly burst: number };
  /** @default 365 */
  readonly logRetentionDays?: number;
  /**
   * Weakening: adds `GET /health` WITHOUT authorization (the one exception to "every route needs a
   * token"), answered by a function that returns a status and nothing else.
   * @default - no route without authorization
   */
  readonly unauthenticatedHealthRoute?: UnauthenticatedHealthRoute;
  /**
   * Tags of the API's data-holding resources (the access-log group, the health function): outside
   * the sovereign partition they name a data class that may be there (`DataClass`).
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * An API Gateway HTTP API whose every route requires a JWT from the configured OIDC issuer and
 * audience (the function reads tenant and subject from the verified claims), or with
 * `iamAuthorization` a SigV4 signature that IAM allows (AWS_IAM on every route), Lambda proxy
 * integrations (payload 2.0) with invoke permissions scoped to this API, throttling, and JSON
 * access logs to an encrypted log group with bounded retention.
 */
export class HttpApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  readonly accessLogs: LogGroup;
  readonly placement: Placement;
  /** The function of `GET /health`, with `unauthenticatedHealthRoute`. */
  readonly healthFunction: LambdaFunction | undefined;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.validate(props);
    this.placement = props.placement;
    const provider = props.placement.provider;
    this.api = new Apigatewayv2Api(this, "api", {
      provider,
      name: props.name,
      protocolType: "HTTP",
      corsConfiguration:
        props.allowedOrigins && props.allowedOrigins.length > 0
          ? {
              allowOrigins: [...props.allowedOrigins],
              allowMethods: [...new Set(props.routes.map((r) => r.routeKey.split(" ")[0] ?? ""))].sort(),
              allowHeaders: ["authorization", "content-type"],
              maxAge: 600,
            }
          : undefined,
    });
    const authorizer =
      props.jwtIssuer === undefined
        ? undefined
        : new Apigatewayv2Authorizer(this, "jwt", {
            provider,
            apiId: this.api.id,
            name: "oidc-jwt",
            authorizerType: "JWT",
            identitySources: ["$request.header.Authorization"],
            jwtConfiguration: { issuer: props.jwtIssuer, audience: [...props.jwtAudience] },
          });
    this.addRoutes(props, authorizer);
    this.healthFunction =
      props.unauthenticatedHealthRoute === undefined
        ? undefined
        : this.addHealthRoute(props, props.unauthenticatedHealthRoute);
    this.accessLogs = new LogGroup(this, "access-logs", {
      placement: props.placement,
      logGroupName: `/sip/${props.name}/api-access`,
      encryptionKey: props.logKey,
      retentionDays: props.logRetentionDays ?? 365,
      ...(props.tags === undefined ? {} : { tags: props.tags }),
    });
    const throttle = props.throttle ?? { ratePerSecond: 50, burst: 100 };
    this.stage = new Apigatewayv2Stage(this, "stage", {
      provider,
      apiId: this.api.id,
      name: "$default",
      autoDeploy: true,
      accessLogSettings: {
        destinationArn: this.accessLogs.logGroupArn,
        format: props.iamAuthorization === true ? IAM_ACCESS_LOG_FORMAT : ACCESS_LOG_FORMAT,
      },
      defaultRouteSettings: { throttlingRateLimit: throttle.ratePerSecond, throttlingBurstLimit: throttle.burst },
      routeSettings:
        props.unauthenticatedHealthRoute === undefined
          ? undefined
          : [
              {
                routeKey: HEALTH_ROUTE_KEY,
                throttlingRateLimit: props.unauthenticatedHealthRoute.throttle?.ratePerSecond ?? 10,
                throttlingBurstLimit: props.unauthenticatedHealthRoute.throttle?.burst ?? 20,
              },
            ],
    });
  }

  /**
   * `GET /health` without authorization, to a function of the health bundle that the API builds:
   * no environment, two concurrent executions at most, tagged as the named exception.
   */
  private addHealthRoute(props: HttpApiProps, health: UnauthenticatedHealthRoute): LambdaFunction {
    const fn = new LambdaFunction(this, "health", {
      placement: props.placement,
      functionName: `${props.name}-health`,
      zipFile: health.zipFile,
      network: health.network,
      key: health.key,
      reservedConcurrency: 2,
      memorySizeMb: 128,
      timeoutSeconds: 3,
      tags: {
        ...props.tags,
        "sip:exception": HEALTH_CHECK_EXCEPTION,
        "sip:justification": "Route 53 health checkers cannot present a token; answers a status only",
      },
    });
    const integration = this.integrate(props, fn);
    new Apigatewayv2Route(this, "route-get-health", {
      provider: props.placement.provider,
      apiId: this.api.id,
      routeKey: HEALTH_ROUTE_KEY,
      authorizationType: "NONE",
      target: `integrations/${integration.id}`,
    });
    return fn;
  }

  private validate(props: HttpApiProps): void {
    if (props.iamAuthorization === true) {
      if (props.jwtIssuer !== undefined || props.jwtAudience !== undefined)
        throw new ValidationError(
          "HttpApi.iamAuthorization",
          "iamAuthorization and jwtIssuer/jwtAudience exclude each other: an API authorizes one way",
          this,
        );
    } else if (!/^https:\/\/[^\s/]+/.test(props.jwtIssuer))
      throw new ValidationError(
        "HttpApi.jwtIssuer",
        `jwtIssuer must be an https URL (value: "${props.jwtIssuer}")`,
        this,
      );
    if (props.iamAuthorization !== true && props.jwtAudience.length === 0)
      throw new ValidationError("HttpApi.jwtAudience", "jwtAudience must name at least one audience", this);
    if (props.routes.length === 0)
      throw new ValidationError("HttpApi.routes", "routes must name at least one route", this);
    const badRoutes = props.routes.filter(
      (r) => !/^(GET|POST|PUT|DELETE|PATCH) \/[A-Za-z0-9/{}_.-]*$/.test(r.routeKey),
    );
    if (props.routes.some((r) => r.routeKey === HEALTH_ROUTE_KEY))
      throw new ValidationError(
        "HttpApi.routes",
        `${HEALTH_ROUTE_KEY} is the unauthenticated health route; declare it with unauthenticatedHealthRoute, not in routes`,
        this,
      );
    const healthThrottle = props.unauthenticatedHealthRoute?.throttle;
    if (
      healthThrottle !== undefined &&
      !(healthThrottle.ratePerSecond > 0 && healthThrottle.ratePerSecond <= 100 && healthThrottle.burst >= 1)
    )
      throw new ValidationError(
        "HttpApi.unauthenticatedHealthRoute.throttle",
        `the health route's throttle must allow 0 < ratePerSecond <= 100 and burst >= 1 (value: ${JSON.stringify(healthThrottle)})`,
        this,
      );
    if (badRoutes.length > 0)
      throw new ValidationError(
        "HttpApi.routes",
        `routeKey must be "METHOD /path" (value: ${JSON.stringify(badRoutes.map((r) => r.routeKey))})`,
        this,
      );
  }

  /** Each route behind the JWT authorizer (or AWS_IAM); one proxy integration and invoke permission per function. */
  private addRoutes(props: HttpApiProps, authorizer: Apigatewayv2Authorizer | undefined): void {
    const provider = props.placement.provider;
    const integrations = new Map<LambdaFunction, Apigatewayv2Integration>();
    props.routes.forEach((route) => {
      let integration = integrations.get(route.function);
      if (integration === undefined) {
        integration = this.integrate(props, route.function);
        integrations.set(route.function, integration);
      }
      const slug = route.routeKey
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "");
      new Apigatewayv2Route(this, `route-${slug}`, {
        provider,
        apiId: this.api.id,
        routeKey: route.routeKey,
        ...(authorizer === undefined
          ? { authorizationType: "AWS_IAM" }
          : { authorizationType: "JWT", authorizerId: authorizer.id }),
        target: `integrations/${integration.id}`,
      });
    });
  }

  /** A Lambda proxy integration (payload 2.0), and the permission for this API only to invoke it. */
  private integrate(props: HttpApiProps, fn: LambdaFunction): Apigatewayv2Integration {
    const provider = props.placement.provider;
    const fnId = fn.node.id;
    const integration = new Apigatewayv2Integration(this, `integration-${fnId}`, {
      provider,
      apiId: this.api.id,
      integrationType: "AWS_PROXY",
      integrationUri: fn.function.invokeArn,
      payloadFormatVersion: "2.0",
    });
    new LambdaPermission(this, `invoke-${fnId}`, {
      provider,
      statementId: "InvokeFromThisApi",
      action: "lambda:InvokeFunction",
      functionName: fn.function.functionName,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.api.executionArn}/*/*`,
    });
    return integration;
  }
}
