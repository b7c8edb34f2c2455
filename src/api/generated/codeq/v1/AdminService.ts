// Original file: proto/codeq/v1/codeq.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetQueueConfigRequest as _codeq_v1_GetQueueConfigRequest, GetQueueConfigRequest__Output as _codeq_v1_GetQueueConfigRequest__Output } from '../../codeq/v1/GetQueueConfigRequest.js';
import type { GetQueueStatsRequest as _codeq_v1_GetQueueStatsRequest, GetQueueStatsRequest__Output as _codeq_v1_GetQueueStatsRequest__Output } from '../../codeq/v1/GetQueueStatsRequest.js';
import type { ListKeysRequest as _codeq_v1_ListKeysRequest, ListKeysRequest__Output as _codeq_v1_ListKeysRequest__Output } from '../../codeq/v1/ListKeysRequest.js';
import type { ListKeysResponse as _codeq_v1_ListKeysResponse, ListKeysResponse__Output as _codeq_v1_ListKeysResponse__Output } from '../../codeq/v1/ListKeysResponse.js';
import type { ListQueuesRequest as _codeq_v1_ListQueuesRequest, ListQueuesRequest__Output as _codeq_v1_ListQueuesRequest__Output } from '../../codeq/v1/ListQueuesRequest.js';
import type { ListQueuesResponse as _codeq_v1_ListQueuesResponse, ListQueuesResponse__Output as _codeq_v1_ListQueuesResponse__Output } from '../../codeq/v1/ListQueuesResponse.js';
import type { ListTasksRequest as _codeq_v1_ListTasksRequest, ListTasksRequest__Output as _codeq_v1_ListTasksRequest__Output } from '../../codeq/v1/ListTasksRequest.js';
import type { ListTasksResponse as _codeq_v1_ListTasksResponse, ListTasksResponse__Output as _codeq_v1_ListTasksResponse__Output } from '../../codeq/v1/ListTasksResponse.js';
import type { PauseQueueRequest as _codeq_v1_PauseQueueRequest, PauseQueueRequest__Output as _codeq_v1_PauseQueueRequest__Output } from '../../codeq/v1/PauseQueueRequest.js';
import type { PauseQueueResponse as _codeq_v1_PauseQueueResponse, PauseQueueResponse__Output as _codeq_v1_PauseQueueResponse__Output } from '../../codeq/v1/PauseQueueResponse.js';
import type { PurgeQueueRequest as _codeq_v1_PurgeQueueRequest, PurgeQueueRequest__Output as _codeq_v1_PurgeQueueRequest__Output } from '../../codeq/v1/PurgeQueueRequest.js';
import type { PurgeQueueResponse as _codeq_v1_PurgeQueueResponse, PurgeQueueResponse__Output as _codeq_v1_PurgeQueueResponse__Output } from '../../codeq/v1/PurgeQueueResponse.js';
import type { QueueConfig as _codeq_v1_QueueConfig, QueueConfig__Output as _codeq_v1_QueueConfig__Output } from '../../codeq/v1/QueueConfig.js';
import type { QueueStats as _codeq_v1_QueueStats, QueueStats__Output as _codeq_v1_QueueStats__Output } from '../../codeq/v1/QueueStats.js';
import type { RedriveDeadTasksRequest as _codeq_v1_RedriveDeadTasksRequest, RedriveDeadTasksRequest__Output as _codeq_v1_RedriveDeadTasksRequest__Output } from '../../codeq/v1/RedriveDeadTasksRequest.js';
import type { RedriveDeadTasksResponse as _codeq_v1_RedriveDeadTasksResponse, RedriveDeadTasksResponse__Output as _codeq_v1_RedriveDeadTasksResponse__Output } from '../../codeq/v1/RedriveDeadTasksResponse.js';
import type { ResumeQueueRequest as _codeq_v1_ResumeQueueRequest, ResumeQueueRequest__Output as _codeq_v1_ResumeQueueRequest__Output } from '../../codeq/v1/ResumeQueueRequest.js';
import type { ResumeQueueResponse as _codeq_v1_ResumeQueueResponse, ResumeQueueResponse__Output as _codeq_v1_ResumeQueueResponse__Output } from '../../codeq/v1/ResumeQueueResponse.js';
import type { SetQueueConfigRequest as _codeq_v1_SetQueueConfigRequest, SetQueueConfigRequest__Output as _codeq_v1_SetQueueConfigRequest__Output } from '../../codeq/v1/SetQueueConfigRequest.js';

/**
 * AdminService is the operator's API. Every call needs the `admin` scope on the
 * queues it names (every queue, for ListQueues) when access control is on.
 */
export interface AdminServiceClient extends grpc.Client {
  /**
   * GetQueueConfig reads a queue's fair-share limits (scope read).
   */
  GetQueueConfig(argument: _codeq_v1_GetQueueConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  GetQueueConfig(argument: _codeq_v1_GetQueueConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  GetQueueConfig(argument: _codeq_v1_GetQueueConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  GetQueueConfig(argument: _codeq_v1_GetQueueConfigRequest, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  /**
   * GetQueueConfig reads a queue's fair-share limits (scope read).
   */
  getQueueConfig(argument: _codeq_v1_GetQueueConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  getQueueConfig(argument: _codeq_v1_GetQueueConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  getQueueConfig(argument: _codeq_v1_GetQueueConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  getQueueConfig(argument: _codeq_v1_GetQueueConfigRequest, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  
  /**
   * GetQueueStats counts one queue's tasks by state.
   */
  GetQueueStats(argument: _codeq_v1_GetQueueStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_QueueStats__Output>): grpc.ClientUnaryCall;
  GetQueueStats(argument: _codeq_v1_GetQueueStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_QueueStats__Output>): grpc.ClientUnaryCall;
  GetQueueStats(argument: _codeq_v1_GetQueueStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_QueueStats__Output>): grpc.ClientUnaryCall;
  GetQueueStats(argument: _codeq_v1_GetQueueStatsRequest, callback: grpc.requestCallback<_codeq_v1_QueueStats__Output>): grpc.ClientUnaryCall;
  /**
   * GetQueueStats counts one queue's tasks by state.
   */
  getQueueStats(argument: _codeq_v1_GetQueueStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_QueueStats__Output>): grpc.ClientUnaryCall;
  getQueueStats(argument: _codeq_v1_GetQueueStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_QueueStats__Output>): grpc.ClientUnaryCall;
  getQueueStats(argument: _codeq_v1_GetQueueStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_QueueStats__Output>): grpc.ClientUnaryCall;
  getQueueStats(argument: _codeq_v1_GetQueueStatsRequest, callback: grpc.requestCallback<_codeq_v1_QueueStats__Output>): grpc.ClientUnaryCall;
  
  /**
   * ListKeys pages through a queue's fairness keys with ready or leased tasks,
   * busiest first (scope read).
   */
  ListKeys(argument: _codeq_v1_ListKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  ListKeys(argument: _codeq_v1_ListKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  ListKeys(argument: _codeq_v1_ListKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  ListKeys(argument: _codeq_v1_ListKeysRequest, callback: grpc.requestCallback<_codeq_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  /**
   * ListKeys pages through a queue's fairness keys with ready or leased tasks,
   * busiest first (scope read).
   */
  listKeys(argument: _codeq_v1_ListKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  listKeys(argument: _codeq_v1_ListKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  listKeys(argument: _codeq_v1_ListKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  listKeys(argument: _codeq_v1_ListKeysRequest, callback: grpc.requestCallback<_codeq_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * ListQueues names every queue the store knows, on any replica, with its counts.
   */
  ListQueues(argument: _codeq_v1_ListQueuesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  ListQueues(argument: _codeq_v1_ListQueuesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  ListQueues(argument: _codeq_v1_ListQueuesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  ListQueues(argument: _codeq_v1_ListQueuesRequest, callback: grpc.requestCallback<_codeq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  /**
   * ListQueues names every queue the store knows, on any replica, with its counts.
   */
  listQueues(argument: _codeq_v1_ListQueuesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  listQueues(argument: _codeq_v1_ListQueuesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  listQueues(argument: _codeq_v1_ListQueuesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  listQueues(argument: _codeq_v1_ListQueuesRequest, callback: grpc.requestCallback<_codeq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * ListTasks pages through a queue's tasks of one state, in that state's order.
   */
  ListTasks(argument: _codeq_v1_ListTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _codeq_v1_ListTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _codeq_v1_ListTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _codeq_v1_ListTasksRequest, callback: grpc.requestCallback<_codeq_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  /**
   * ListTasks pages through a queue's tasks of one state, in that state's order.
   */
  listTasks(argument: _codeq_v1_ListTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _codeq_v1_ListTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _codeq_v1_ListTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _codeq_v1_ListTasksRequest, callback: grpc.requestCallback<_codeq_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * PauseQueue stops every replica from leasing the queue's tasks; enqueues
   * are still accepted. The answer says whether the queue already was paused.
   */
  PauseQueue(argument: _codeq_v1_PauseQueueRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_PauseQueueResponse__Output>): grpc.ClientUnaryCall;
  PauseQueue(argument: _codeq_v1_PauseQueueRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_PauseQueueResponse__Output>): grpc.ClientUnaryCall;
  PauseQueue(argument: _codeq_v1_PauseQueueRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_PauseQueueResponse__Output>): grpc.ClientUnaryCall;
  PauseQueue(argument: _codeq_v1_PauseQueueRequest, callback: grpc.requestCallback<_codeq_v1_PauseQueueResponse__Output>): grpc.ClientUnaryCall;
  /**
   * PauseQueue stops every replica from leasing the queue's tasks; enqueues
   * are still accepted. The answer says whether the queue already was paused.
   */
  pauseQueue(argument: _codeq_v1_PauseQueueRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_PauseQueueResponse__Output>): grpc.ClientUnaryCall;
  pauseQueue(argument: _codeq_v1_PauseQueueRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_PauseQueueResponse__Output>): grpc.ClientUnaryCall;
  pauseQueue(argument: _codeq_v1_PauseQueueRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_PauseQueueResponse__Output>): grpc.ClientUnaryCall;
  pauseQueue(argument: _codeq_v1_PauseQueueRequest, callback: grpc.requestCallback<_codeq_v1_PauseQueueResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * PurgeQueue deletes a queue's PENDING, SCHEDULED, LEASED and DEAD tasks.
   */
  PurgeQueue(argument: _codeq_v1_PurgeQueueRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_PurgeQueueResponse__Output>): grpc.ClientUnaryCall;
  PurgeQueue(argument: _codeq_v1_PurgeQueueRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_PurgeQueueResponse__Output>): grpc.ClientUnaryCall;
  PurgeQueue(argument: _codeq_v1_PurgeQueueRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_PurgeQueueResponse__Output>): grpc.ClientUnaryCall;
  PurgeQueue(argument: _codeq_v1_PurgeQueueRequest, callback: grpc.requestCallback<_codeq_v1_PurgeQueueResponse__Output>): grpc.ClientUnaryCall;
  /**
   * PurgeQueue deletes a queue's PENDING, SCHEDULED, LEASED and DEAD tasks.
   */
  purgeQueue(argument: _codeq_v1_PurgeQueueRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_PurgeQueueResponse__Output>): grpc.ClientUnaryCall;
  purgeQueue(argument: _codeq_v1_PurgeQueueRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_PurgeQueueResponse__Output>): grpc.ClientUnaryCall;
  purgeQueue(argument: _codeq_v1_PurgeQueueRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_PurgeQueueResponse__Output>): grpc.ClientUnaryCall;
  purgeQueue(argument: _codeq_v1_PurgeQueueRequest, callback: grpc.requestCallback<_codeq_v1_PurgeQueueResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * RedriveDeadTasks makes DEAD tasks PENDING again with their attempts reset,
   * keeping a note of it in the task's history.
   */
  RedriveDeadTasks(argument: _codeq_v1_RedriveDeadTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_RedriveDeadTasksResponse__Output>): grpc.ClientUnaryCall;
  RedriveDeadTasks(argument: _codeq_v1_RedriveDeadTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_RedriveDeadTasksResponse__Output>): grpc.ClientUnaryCall;
  RedriveDeadTasks(argument: _codeq_v1_RedriveDeadTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_RedriveDeadTasksResponse__Output>): grpc.ClientUnaryCall;
  RedriveDeadTasks(argument: _codeq_v1_RedriveDeadTasksRequest, callback: grpc.requestCallback<_codeq_v1_RedriveDeadTasksResponse__Output>): grpc.ClientUnaryCall;
  /**
   * RedriveDeadTasks makes DEAD tasks PENDING again with their attempts reset,
   * keeping a note of it in the task's history.
   */
  redriveDeadTasks(argument: _codeq_v1_RedriveDeadTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_RedriveDeadTasksResponse__Output>): grpc.ClientUnaryCall;
  redriveDeadTasks(argument: _codeq_v1_RedriveDeadTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_RedriveDeadTasksResponse__Output>): grpc.ClientUnaryCall;
  redriveDeadTasks(argument: _codeq_v1_RedriveDeadTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_RedriveDeadTasksResponse__Output>): grpc.ClientUnaryCall;
  redriveDeadTasks(argument: _codeq_v1_RedriveDeadTasksRequest, callback: grpc.requestCallback<_codeq_v1_RedriveDeadTasksResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * ResumeQueue lets the queue's tasks be leased again and wakes the
   * dispatchers of every replica. The answer says whether the queue was paused.
   */
  ResumeQueue(argument: _codeq_v1_ResumeQueueRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ResumeQueueResponse__Output>): grpc.ClientUnaryCall;
  ResumeQueue(argument: _codeq_v1_ResumeQueueRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_ResumeQueueResponse__Output>): grpc.ClientUnaryCall;
  ResumeQueue(argument: _codeq_v1_ResumeQueueRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ResumeQueueResponse__Output>): grpc.ClientUnaryCall;
  ResumeQueue(argument: _codeq_v1_ResumeQueueRequest, callback: grpc.requestCallback<_codeq_v1_ResumeQueueResponse__Output>): grpc.ClientUnaryCall;
  /**
   * ResumeQueue lets the queue's tasks be leased again and wakes the
   * dispatchers of every replica. The answer says whether the queue was paused.
   */
  resumeQueue(argument: _codeq_v1_ResumeQueueRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ResumeQueueResponse__Output>): grpc.ClientUnaryCall;
  resumeQueue(argument: _codeq_v1_ResumeQueueRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_ResumeQueueResponse__Output>): grpc.ClientUnaryCall;
  resumeQueue(argument: _codeq_v1_ResumeQueueRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_ResumeQueueResponse__Output>): grpc.ClientUnaryCall;
  resumeQueue(argument: _codeq_v1_ResumeQueueRequest, callback: grpc.requestCallback<_codeq_v1_ResumeQueueResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * SetQueueConfig stores a queue's fair-share limits; every replica applies them
   * from its next claim on (scope admin).
   */
  SetQueueConfig(argument: _codeq_v1_SetQueueConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  SetQueueConfig(argument: _codeq_v1_SetQueueConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  SetQueueConfig(argument: _codeq_v1_SetQueueConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  SetQueueConfig(argument: _codeq_v1_SetQueueConfigRequest, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  /**
   * SetQueueConfig stores a queue's fair-share limits; every replica applies them
   * from its next claim on (scope admin).
   */
  setQueueConfig(argument: _codeq_v1_SetQueueConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  setQueueConfig(argument: _codeq_v1_SetQueueConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  setQueueConfig(argument: _codeq_v1_SetQueueConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  setQueueConfig(argument: _codeq_v1_SetQueueConfigRequest, callback: grpc.requestCallback<_codeq_v1_QueueConfig__Output>): grpc.ClientUnaryCall;
  
}

/**
 * AdminService is the operator's API. Every call needs the `admin` scope on the
 * queues it names (every queue, for ListQueues) when access control is on.
 */
export interface AdminServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * GetQueueConfig reads a queue's fair-share limits (scope read).
   */
  GetQueueConfig: grpc.handleUnaryCall<_codeq_v1_GetQueueConfigRequest__Output, _codeq_v1_QueueConfig>;
  
  /**
   * GetQueueStats counts one queue's tasks by state.
   */
  GetQueueStats: grpc.handleUnaryCall<_codeq_v1_GetQueueStatsRequest__Output, _codeq_v1_QueueStats>;
  
  /**
   * ListKeys pages through a queue's fairness keys with ready or leased tasks,
   * busiest first (scope read).
   */
  ListKeys: grpc.handleUnaryCall<_codeq_v1_ListKeysRequest__Output, _codeq_v1_ListKeysResponse>;
  
  /**
   * ListQueues names every queue the store knows, on any replica, with its counts.
   */
  ListQueues: grpc.handleUnaryCall<_codeq_v1_ListQueuesRequest__Output, _codeq_v1_ListQueuesResponse>;
  
  /**
   * ListTasks pages through a queue's tasks of one state, in that state's order.
   */
  ListTasks: grpc.handleUnaryCall<_codeq_v1_ListTasksRequest__Output, _codeq_v1_ListTasksResponse>;
  
  /**
   * PauseQueue stops every replica from leasing the queue's tasks; enqueues
   * are still accepted. The answer says whether the queue already was paused.
   */
  PauseQueue: grpc.handleUnaryCall<_codeq_v1_PauseQueueRequest__Output, _codeq_v1_PauseQueueResponse>;
  
  /**
   * PurgeQueue deletes a queue's PENDING, SCHEDULED, LEASED and DEAD tasks.
   */
  PurgeQueue: grpc.handleUnaryCall<_codeq_v1_PurgeQueueRequest__Output, _codeq_v1_PurgeQueueResponse>;
  
  /**
   * RedriveDeadTasks makes DEAD tasks PENDING again with their attempts reset,
   * keeping a note of it in the task's history.
   */
  RedriveDeadTasks: grpc.handleUnaryCall<_codeq_v1_RedriveDeadTasksRequest__Output, _codeq_v1_RedriveDeadTasksResponse>;
  
  /**
   * ResumeQueue lets the queue's tasks be leased again and wakes the
   * dispatchers of every replica. The answer says whether the queue was paused.
   */
  ResumeQueue: grpc.handleUnaryCall<_codeq_v1_ResumeQueueRequest__Output, _codeq_v1_ResumeQueueResponse>;
  
  /**
   * SetQueueConfig stores a queue's fair-share limits; every replica applies them
   * from its next claim on (scope admin).
   */
  SetQueueConfig: grpc.handleUnaryCall<_codeq_v1_SetQueueConfigRequest__Output, _codeq_v1_QueueConfig>;
  
}

export interface AdminServiceDefinition extends grpc.ServiceDefinition {
  GetQueueConfig: MethodDefinition<_codeq_v1_GetQueueConfigRequest, _codeq_v1_QueueConfig, _codeq_v1_GetQueueConfigRequest__Output, _codeq_v1_QueueConfig__Output>
  GetQueueStats: MethodDefinition<_codeq_v1_GetQueueStatsRequest, _codeq_v1_QueueStats, _codeq_v1_GetQueueStatsRequest__Output, _codeq_v1_QueueStats__Output>
  ListKeys: MethodDefinition<_codeq_v1_ListKeysRequest, _codeq_v1_ListKeysResponse, _codeq_v1_ListKeysRequest__Output, _codeq_v1_ListKeysResponse__Output>
  ListQueues: MethodDefinition<_codeq_v1_ListQueuesRequest, _codeq_v1_ListQueuesResponse, _codeq_v1_ListQueuesRequest__Output, _codeq_v1_ListQueuesResponse__Output>
  ListTasks: MethodDefinition<_codeq_v1_ListTasksRequest, _codeq_v1_ListTasksResponse, _codeq_v1_ListTasksRequest__Output, _codeq_v1_ListTasksResponse__Output>
  PauseQueue: MethodDefinition<_codeq_v1_PauseQueueRequest, _codeq_v1_PauseQueueResponse, _codeq_v1_PauseQueueRequest__Output, _codeq_v1_PauseQueueResponse__Output>
  PurgeQueue: MethodDefinition<_codeq_v1_PurgeQueueRequest, _codeq_v1_PurgeQueueResponse, _codeq_v1_PurgeQueueRequest__Output, _codeq_v1_PurgeQueueResponse__Output>
  RedriveDeadTasks: MethodDefinition<_codeq_v1_RedriveDeadTasksRequest, _codeq_v1_RedriveDeadTasksResponse, _codeq_v1_RedriveDeadTasksRequest__Output, _codeq_v1_RedriveDeadTasksResponse__Output>
  ResumeQueue: MethodDefinition<_codeq_v1_ResumeQueueRequest, _codeq_v1_ResumeQueueResponse, _codeq_v1_ResumeQueueRequest__Output, _codeq_v1_ResumeQueueResponse__Output>
  SetQueueConfig: MethodDefinition<_codeq_v1_SetQueueConfigRequest, _codeq_v1_QueueConfig, _codeq_v1_SetQueueConfigRequest__Output, _codeq_v1_QueueConfig__Output>
}
