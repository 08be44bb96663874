import * as pulumi from "@pulumi/pulumi";
import { CodeArtifactTokenRefresher } from "./lib";
import { refresherNameForStack } from "./stack/naming";
import { readSettings, stackArgs } from "./stack/settings";

const refresher = new CodeArtifactTokenRefresher(refresherNameForStack(pulumi.getStack()), stackArgs(readSettings()));

export const bucket = refresher.bucket;
export const requirementsKey = refresher.requirementsKey;
export const requirementsVersionId = refresher.requirementsVersionId;
export const tokenKey = refresher.tokenKey;
export const functionName = refresher.functionName;
export const functionArn = refresher.functionArn;
export const logGroupName = refresher.logGroupName;
export const scheduleExpression = refresher.scheduleExpression;
export const worstCaseTokenSecondsLeft = refresher.worstCaseTokenSecondsLeft;
export const failedRefreshesSurvived = refresher.failedRefreshesSurvived;
export const alarmNames = refresher.alarmNames;
