import * as grpc from '@grpc/grpc-js';
import type { AdminServiceClient } from '../src/api/generated/codeq/v1/AdminService.js';
import type { ListKeysResponse__Output } from '../src/api/generated/codeq/v1/ListKeysResponse.js';
import type { QueueConfig__Output } from '../src/api/generated/codeq/v1/QueueConfig.js';
import type { ListQueuesResponse__Output } from '../src/api/generated/codeq/v1/ListQueuesResponse.js';
import type { ListTasksResponse__Output } from '../src/api/generated/codeq/v1/ListTasksResponse.js';
import type { PauseQueueResponse__Output } from '../src/api/generated/codeq/v1/PauseQueueResponse.js';
import type { PurgeQueueResponse__Output } from '../src/api/generated/codeq/v1/PurgeQueueResponse.js';
import type { QueueStats__Output } from '../src/api/generated/codeq/v1/QueueStats.js';
import type { RedriveDeadTasksResponse__Output } from '../src/api/generated/codeq/v1/RedriveDeadTasksResponse.js';
import type { ResumeQueueResponse__Output } from '../src/api/generated/codeq/v1/ResumeQueueResponse.js';
import { codeqProto } from '../src/api/proto.js';
import { durationToMs } from '../src/api/time.js';
import { withBearerToken } from './credentials.js';
import { resolveKeepalive, clientChannelOptions, type KeepaliveOptions } from './keepalive.js';
import { toUint32 } from './bytes.js';
import { toTaskInfo, type CallOptions, type TaskInfo } from './producer.js';
import { unary } from './unary-call.js';

/** Options of {@link Admin}. */
export interface AdminOptions extends KeepaliveOptions {
  /** `host:port` of a codeQ server. */
  address: string;
  /** Channel credentials. Default: insecure (plaintext). */
  credentials?: grpc.ChannelCredentials;
  /** Extra grpc-js channel options. Default: none. */
  channelOptions?: grpc.ChannelOptions;
  /** Bearer token (static token or JWT) with the `admin` scope. Default: none. */
  token?: string;
}

/** One queue's counts, as {@link Admin.queueStats} and {@link Admin.listQueues} report them. */
export interface QueueStatsInfo {
  queue: string;
  ready: number;
  scheduled: number;
  leased: number;
  dead: number;
  /** How long the ready task that has waited longest has waited, in ms; null when none is ready. */
  oldestReadyAgeMs: number | null;
  paused: boolean;
  /** Fairness keys with ready tasks. */
  readyKeys: number;
  /** Ready tasks wait for the queue's max claims per second budget (not the same as paused). */
  rateLimited: boolean;
}

/** A queue's fair-share limits; 0 = no limit. */
export interface QueueLimits {
  /** At most this many leased tasks of one fairness key at once. */
  maxLeasedPerKey: number;
  /** At most this many leases of the queue per second, over all replicas. */
  maxClaimsPerSecond: number;
}

/** One fairness key of a queue, as {@link Admin.listKeys} reports it. */
export interface KeyInfo {
  /** '' for the default key. */
  fairnessKey: string;
  ready: number;
  leased: number;
}

/** What {@link Admin.pause} and {@link Admin.resume} found. */
export interface PauseOutcome {
  /**
   * Whether the queue was paused before the call: a pause that answers true, or a resume
   * that answers false, changed nothing.
   */
  wasPaused: boolean;
}

/** The states {@link Admin.listTasks} can list. */
export type ListableTaskState = 'PENDING' | 'SCHEDULED' | 'LEASED' | 'DEAD';

/** One page of {@link Admin.listTasks}. */
export interface TaskListPage {
  tasks: TaskInfo[];
  /** Pass as `cursor` for the next page; null after the last. */
  nextCursor: string | null;
}

/**
 * The operator's side of codeQ (AdminService): queue counts, listings, redrive of dead
 * tasks, purge, pause and resume. Every call needs the `admin` scope when the server has
 * access control on. Rejects with the grpc-js ServiceError the server returned.
 */
export class Admin {
  readonly #client: AdminServiceClient;

  constructor(options: AdminOptions) {
    const { AdminService } = codeqProto().codeq.v1;
    this.#client = new AdminService(
      options.address,
      options.credentials ?? grpc.credentials.createInsecure(),
      withBearerToken(clientChannelOptions(resolveKeepalive(options), options.channelOptions), options.token),
    );
  }

  /** One queue's counts by state, and whether it is paused. */
  async queueStats(queue: string, options: CallOptions = {}): Promise<QueueStatsInfo> {
    return toStats(
      await unary<QueueStats__Output>((o, cb) => this.#client.getQueueStats({ queue }, o, cb), options),
    );
  }

  /**
   * Every queue the server's store knows (on any replica) that the caller may administer,
   * with its counts: all pages of ListQueues, read one after the other.
   */
  async listQueues(options: CallOptions = {}): Promise<QueueStatsInfo[]> {
    const queues: QueueStatsInfo[] = [];
    let pageToken = '';
    do {
      const request = { pageToken };
      const response = await unary<ListQueuesResponse__Output>(
        (o, cb) => this.#client.listQueues(request, o, cb),
        options,
      );
      queues.push(...response.queues.map(toStats));
      pageToken = response.nextPageToken ?? '';
    } while (pageToken !== '');
    return queues;
  }

  /** One page of a queue's tasks in `state`, in that state's order (at most `pageSize`, default 100). */
  async listTasks(
    queue: string,
    state: ListableTaskState,
    page: { cursor?: string | null; pageSize?: number } = {},
    options: CallOptions = {},
  ): Promise<TaskListPage> {
    const request = {
      queue,
      state,
      cursor: page.cursor ?? '',
      ...(page.pageSize !== undefined && { pageSize: page.pageSize }),
    };
    const response = await unary<ListTasksResponse__Output>(
      (o, cb) => this.#client.listTasks(request, o, cb),
      options,
    );
    return { tasks: response.tasks.map(toTaskInfo), nextCursor: response.nextCursor || null };
  }

  /** Makes DEAD tasks PENDING again with attempts reset: the named ones, or all when `taskIds` is empty. */
  async redriveDead(
    queue: string,
    taskIds: readonly string[] = [],
    options: CallOptions = {},
  ): Promise<number> {
    const response = await unary<RedriveDeadTasksResponse__Output>(
      (o, cb) => this.#client.redriveDeadTasks({ queue, taskIds: [...taskIds] }, o, cb),
      options,
    );
    return response.redriven ?? 0;
  }

  /** Deletes the queue's PENDING, SCHEDULED, LEASED and DEAD tasks; returns how many. */
  async purge(queue: string, options: CallOptions = {}): Promise<number> {
    const response = await unary<PurgeQueueResponse__Output>(
      (o, cb) => this.#client.purgeQueue({ queue }, o, cb),
      options,
    );
    return Number(response.purged ?? 0);
  }

  /**
   * Stops every replica from leasing the queue's tasks; enqueues still succeed.
   * `wasPaused: true` says the queue already was paused: nothing changed.
   */
  async pause(queue: string, options: CallOptions = {}): Promise<PauseOutcome> {
    const response = await unary<PauseQueueResponse__Output>(
      (o, cb) => this.#client.pauseQueue({ queue }, o, cb),
      options,
    );
    return { wasPaused: response.wasPaused ?? false };
  }

  /**
   * Lets the queue's tasks be leased again, at once on every replica.
   * `wasPaused: false` says the queue was not paused: nothing changed.
   */
  async resume(queue: string, options: CallOptions = {}): Promise<PauseOutcome> {
    const response = await unary<ResumeQueueResponse__Output>(
      (o, cb) => this.#client.resumeQueue({ queue }, o, cb),
      options,
    );
    return { wasPaused: response.wasPaused ?? false };
  }

  /** Stores the queue's fair-share limits; every replica applies them from its next claim. */
  async setConfig(queue: string, limits: QueueLimits, options: CallOptions = {}): Promise<QueueLimits> {
    toUint32(limits.maxLeasedPerKey, 'maxLeasedPerKey');
    toUint32(limits.maxClaimsPerSecond, 'maxClaimsPerSecond');
    const config = await unary<QueueConfig__Output>(
      (o, cb) => this.#client.setQueueConfig({ queue, config: limits }, o, cb),
      options,
    );
    return toLimits(config);
  }

  /** The queue's fair-share limits (needs the `read` scope only). */
  async getConfig(queue: string, options: CallOptions = {}): Promise<QueueLimits> {
    return toLimits(
      await unary<QueueConfig__Output>((o, cb) => this.#client.getQueueConfig({ queue }, o, cb), options),
    );
  }

  /** One page of the queue's fairness keys, busiest first (needs the `read` scope only). */
  async listKeys(
    queue: string,
    page: { pageSize?: number; pageToken?: string } = {},
    options: CallOptions = {},
  ): Promise<{ keys: KeyInfo[]; nextPageToken: string | null }> {
    const res = await unary<ListKeysResponse__Output>(
      (o, cb) =>
        this.#client.listKeys(
          { queue, pageSize: page.pageSize ?? 0, pageToken: page.pageToken ?? '' },
          o,
          cb,
        ),
      options,
    );
    return {
      keys: (res.keys ?? []).map((k) => ({
        fairnessKey: k.fairnessKey ?? '',
        ready: Number(k.ready ?? 0),
        leased: Number(k.leased ?? 0),
      })),
      nextPageToken: res.nextPageToken || null,
    };
  }

  /** Closes the channel. */
  close(): void {
    this.#client.close();
  }
}

function toLimits(c: QueueConfig__Output): QueueLimits {
  return { maxLeasedPerKey: c.maxLeasedPerKey ?? 0, maxClaimsPerSecond: c.maxClaimsPerSecond ?? 0 };
}

function toStats(s: QueueStats__Output): QueueStatsInfo {
  return {
    queue: s.queue ?? '',
    ready: Number(s.ready ?? 0),
    scheduled: Number(s.scheduled ?? 0),
    leased: Number(s.leased ?? 0),
    dead: Number(s.dead ?? 0),
    oldestReadyAgeMs: s.oldestReadyAge ? (durationToMs(s.oldestReadyAge) ?? null) : null,
    paused: s.paused ?? false,
    readyKeys: Number(s.readyKeys ?? 0),
    rateLimited: s.rateLimited ?? false,
  };
}
