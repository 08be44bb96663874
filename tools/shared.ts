/**
 * Helpers every command shares, in a module that loads nothing (the offline preview stays free of
 * the SDK until it needs it): the usage error, the AWS partition of a region, and how a duration reads.
 */

/** A bad command line: the command exits 2 with its usage. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** The AWS partition of a region and its DNS suffix (undefined: the commercial partition). */
export function partitionOf(region: string | undefined): { partition: string; dnsSuffix: string } {
    if (region?.startsWith("cn-")) return { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" };
    if (region?.startsWith("us-gov-")) return { partition: "aws-us-gov", dnsSuffix: "amazonaws.com" };
    if (region?.startsWith("us-iso-")) return { partition: "aws-iso", dnsSuffix: "c2s.ic.gov" };
    if (region?.startsWith("us-isob-")) return { partition: "aws-iso-b", dnsSuffix: "sc2s.sgov.gov" };
    return { partition: "aws", dnsSuffix: "amazonaws.com" };
}

/** 11 520 s → "3h 12m"; 2 700 s → "45m"; 45 s → "45s"; 97 200 s → "1d 3h". Sign ignored. */
export function humanDuration(seconds: number): string {
    const s = Math.floor(Math.abs(seconds));
    if (s < 60) return `${s}s`;
    const days = Math.floor(s / 86400);
    const hours = Math.floor((s % 86400) / 3600);
    const minutes = Math.floor((s % 3600) / 60);
    if (days > 0) return `${days}d ${hours}h`;
    if (hours > 0) return `${hours}h ${minutes}m`;
    return `${minutes}m`;
}
