import { describe, expect, it } from "vitest";
import { cidrSubnet } from "./cidr";

describe("cidrSubnet", () => {
  it("splits like terraform's cidrsubnet", () => {
    expect(cidrSubnet("10.10.0.0/16", 3, 0)).toBe("10.10.0.0/19");
    expect(cidrSubnet("10.10.0.0/16", 3, 1)).toBe("10.10.32.0/19");
    expect(cidrSubnet("10.10.0.0/16", 3, 7)).toBe("10.10.224.0/19");
    expect(cidrSubnet("192.168.4.0/24", 3, 5)).toBe("192.168.4.160/27");
    expect(cidrSubnet("172.16.0.0/12", 8, 255)).toBe("172.31.240.0/20");
  });

  it.each([
    ["10.0.0.0/16", 3, 8, /outside 0..7/],
    ["10.0.0.0/30", 3, 0, /cannot split/],
    ["10.0.0.1/16", 3, 0, /host bits set/],
    ["10.0.0.0", 3, 0, /not an IPv4 CIDR/],
  ] as const)("fails for %s + %i bits, index %i", (cidr, bits, index, message) => {
    expect(() => cidrSubnet(cidr, bits, index)).toThrow(message);
  });
});
