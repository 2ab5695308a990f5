// Test-only workflow for the time-skipping harness: a durable timer of days.
import { sleep } from '@temporalio/workflow';

export async function waitDaysWorkflow(days: number): Promise<string> {
  await sleep(`${days} days`);
  return `waited ${days} days`;
}
