/**
 * The gateway's own bucket notifications (an SNS-style topic with a push endpoint) delivered over
 * HTTP to a server in the test, which hands each event to a handler, as S3 invokes a function on
 * ObjectCreated. Measured (Ceph 16.2): the gateway waits for the push to be acknowledged, so the
 * server answers at once and runs the handler afterwards.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PutBucketNotificationConfigurationCommand } from "@aws-sdk/client-s3";
import type { RadosGateway } from "./radosgw";
import { queryApi } from "./sts";

export interface Delivery<T> {
  readonly body: unknown;
  readonly done: Promise<T>;
}

export interface NotificationPush<T> {
  readonly deliveries: readonly Delivery<T>[];
  /** The first delivery naming `key`; fails after `timeoutMs`, listing what arrived. */
  deliveryFor(key: string, timeoutMs?: number): Promise<Delivery<T>>;
  /** Waits for every handler run, then closes the server. */
  close(): Promise<void>;
}

/** Pushes `bucket`'s ObjectCreated events to `handle`, through a topic named `topic`. */
export async function pushNotifications<T>(
  gateway: RadosGateway,
  bucket: string,
  topic: string,
  handle: (event: unknown) => Promise<T>,
): Promise<NotificationPush<T>> {
  const deliveries: Delivery<T>[] = [];
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on("data", (piece: Buffer) => parts.push(piece));
    request.on("end", () => {
      response.writeHead(200).end();
      const text = Buffer.concat(parts).toString("utf8");
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const done = handle(body);
      done.catch(() => undefined);
      deliveries.push({ body, done });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const created = await queryApi(gateway, "sns", {
    Action: "CreateTopic",
    Name: topic,
    "Attributes.entry.1.key": "push-endpoint",
    "Attributes.entry.1.value": `http://127.0.0.1:${port}/`,
  });
  const topicArn = /<TopicArn>([^<]+)<\/TopicArn>/.exec(created)?.[1];
  if (topicArn === undefined) throw new Error(`CreateTopic returned no TopicArn: ${created}`);
  await gateway.client().send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        TopicConfigurations: [{ Id: topic, TopicArn: topicArn, Events: ["s3:ObjectCreated:*"] }],
      },
    }),
  );
  return {
    deliveries,
    async deliveryFor(key, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = deliveries.find((d) => JSON.stringify(d.body).includes(key));
        if (found !== undefined) return found;
        if (Date.now() > deadline)
          throw new Error(
            `no notification for ${key} within ${timeoutMs} ms (got ${deliveries.length}: ${JSON.stringify(deliveries.map((d) => d.body))})`,
          );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      await Promise.allSettled(deliveries.map((d) => d.done));
      // The gateway keeps its push connection alive: close it rather than wait for the idle timeout.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
