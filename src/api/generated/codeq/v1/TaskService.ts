// Original file: proto/codeq/v1/codeq.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CancelTaskRequest as _codeq_v1_CancelTaskRequest, CancelTaskRequest__Output as _codeq_v1_CancelTaskRequest__Output } from '../../codeq/v1/CancelTaskRequest.js';
import type { CancelTaskResponse as _codeq_v1_CancelTaskResponse, CancelTaskResponse__Output as _codeq_v1_CancelTaskResponse__Output } from '../../codeq/v1/CancelTaskResponse.js';
import type { EnqueueBatchRequest as _codeq_v1_EnqueueBatchRequest, EnqueueBatchRequest__Output as _codeq_v1_EnqueueBatchRequest__Output } from '../../codeq/v1/EnqueueBatchRequest.js';
import type { EnqueueBatchResponse as _codeq_v1_EnqueueBatchResponse, EnqueueBatchResponse__Output as _codeq_v1_EnqueueBatchResponse__Output } from '../../codeq/v1/EnqueueBatchResponse.js';
import type { EnqueueRequest as _codeq_v1_EnqueueRequest, EnqueueRequest__Output as _codeq_v1_EnqueueRequest__Output } from '../../codeq/v1/EnqueueRequest.js';
import type { EnqueueResponse as _codeq_v1_EnqueueResponse, EnqueueResponse__Output as _codeq_v1_EnqueueResponse__Output } from '../../codeq/v1/EnqueueResponse.js';
import type { EnqueueStreamRequest as _codeq_v1_EnqueueStreamRequest, EnqueueStreamRequest__Output as _codeq_v1_EnqueueStreamRequest__Output } from '../../codeq/v1/EnqueueStreamRequest.js';
import type { EnqueueStreamResponse as _codeq_v1_EnqueueStreamResponse, EnqueueStreamResponse__Output as _codeq_v1_EnqueueStreamResponse__Output } from '../../codeq/v1/EnqueueStreamResponse.js';
import type { GetTaskRequest as _codeq_v1_GetTaskRequest, GetTaskRequest__Output as _codeq_v1_GetTaskRequest__Output } from '../../codeq/v1/GetTaskRequest.js';
import type { Task as _codeq_v1_Task, Task__Output as _codeq_v1_Task__Output } from '../../codeq/v1/Task.js';
import type { WaitTaskRequest as _codeq_v1_WaitTaskRequest, WaitTaskRequest__Output as _codeq_v1_WaitTaskRequest__Output } from '../../codeq/v1/WaitTaskRequest.js';

/**
 * TaskService is the producer's API.
 */
export interface TaskServiceClient extends grpc.Client {
  /**
   * CancelTask stops a task from running: a pending or scheduled task never runs;
   * a leased one is not renewed and is not retried.
   */
  CancelTask(argument: _codeq_v1_CancelTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  CancelTask(argument: _codeq_v1_CancelTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  CancelTask(argument: _codeq_v1_CancelTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  CancelTask(argument: _codeq_v1_CancelTaskRequest, callback: grpc.requestCallback<_codeq_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  /**
   * CancelTask stops a task from running: a pending or scheduled task never runs;
   * a leased one is not renewed and is not retried.
   */
  cancelTask(argument: _codeq_v1_CancelTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _codeq_v1_CancelTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _codeq_v1_CancelTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _codeq_v1_CancelTaskRequest, callback: grpc.requestCallback<_codeq_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Enqueue adds one task. The task is stored before the reply is sent.
   */
  Enqueue(argument: _codeq_v1_EnqueueRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_EnqueueResponse__Output>): grpc.ClientUnaryCall;
  Enqueue(argument: _codeq_v1_EnqueueRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_EnqueueResponse__Output>): grpc.ClientUnaryCall;
  Enqueue(argument: _codeq_v1_EnqueueRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_EnqueueResponse__Output>): grpc.ClientUnaryCall;
  Enqueue(argument: _codeq_v1_EnqueueRequest, callback: grpc.requestCallback<_codeq_v1_EnqueueResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Enqueue adds one task. The task is stored before the reply is sent.
   */
  enqueue(argument: _codeq_v1_EnqueueRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_EnqueueResponse__Output>): grpc.ClientUnaryCall;
  enqueue(argument: _codeq_v1_EnqueueRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_EnqueueResponse__Output>): grpc.ClientUnaryCall;
  enqueue(argument: _codeq_v1_EnqueueRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_EnqueueResponse__Output>): grpc.ClientUnaryCall;
  enqueue(argument: _codeq_v1_EnqueueRequest, callback: grpc.requestCallback<_codeq_v1_EnqueueResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * EnqueueBatch adds many tasks in one round trip. Validation is all-or-nothing:
   * if any task is invalid, none is stored.
   */
  EnqueueBatch(argument: _codeq_v1_EnqueueBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_EnqueueBatchResponse__Output>): grpc.ClientUnaryCall;
  EnqueueBatch(argument: _codeq_v1_EnqueueBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_EnqueueBatchResponse__Output>): grpc.ClientUnaryCall;
  EnqueueBatch(argument: _codeq_v1_EnqueueBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_EnqueueBatchResponse__Output>): grpc.ClientUnaryCall;
  EnqueueBatch(argument: _codeq_v1_EnqueueBatchRequest, callback: grpc.requestCallback<_codeq_v1_EnqueueBatchResponse__Output>): grpc.ClientUnaryCall;
  /**
   * EnqueueBatch adds many tasks in one round trip. Validation is all-or-nothing:
   * if any task is invalid, none is stored.
   */
  enqueueBatch(argument: _codeq_v1_EnqueueBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_EnqueueBatchResponse__Output>): grpc.ClientUnaryCall;
  enqueueBatch(argument: _codeq_v1_EnqueueBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_EnqueueBatchResponse__Output>): grpc.ClientUnaryCall;
  enqueueBatch(argument: _codeq_v1_EnqueueBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_EnqueueBatchResponse__Output>): grpc.ClientUnaryCall;
  enqueueBatch(argument: _codeq_v1_EnqueueBatchRequest, callback: grpc.requestCallback<_codeq_v1_EnqueueBatchResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * EnqueueStream is for high-rate producers: one long-lived stream instead of a
   * call per task. Each request is answered by exactly one response, in request
   * order; a refused request (bad input, payload too large) is answered with its
   * status code and leaves the stream open. Validation is all-or-nothing per request.
   */
  EnqueueStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_codeq_v1_EnqueueStreamRequest, _codeq_v1_EnqueueStreamResponse__Output>;
  EnqueueStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_codeq_v1_EnqueueStreamRequest, _codeq_v1_EnqueueStreamResponse__Output>;
  /**
   * EnqueueStream is for high-rate producers: one long-lived stream instead of a
   * call per task. Each request is answered by exactly one response, in request
   * order; a refused request (bad input, payload too large) is answered with its
   * status code and leaves the stream open. Validation is all-or-nothing per request.
   */
  enqueueStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_codeq_v1_EnqueueStreamRequest, _codeq_v1_EnqueueStreamResponse__Output>;
  enqueueStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_codeq_v1_EnqueueStreamRequest, _codeq_v1_EnqueueStreamResponse__Output>;
  
  /**
   * GetTask returns a task's state, attempts, last error and result.
   */
  GetTask(argument: _codeq_v1_GetTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _codeq_v1_GetTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _codeq_v1_GetTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _codeq_v1_GetTaskRequest, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  /**
   * GetTask returns a task's state, attempts, last error and result.
   */
  getTask(argument: _codeq_v1_GetTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  getTask(argument: _codeq_v1_GetTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  getTask(argument: _codeq_v1_GetTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  getTask(argument: _codeq_v1_GetTaskRequest, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  
  /**
   * WaitTask answers once the task is COMPLETED, DEAD or CANCELLED, or when
   * `timeout` (or the call's deadline) passes first, with the task as it stands
   * then: its state says which. The server is told when the task finishes on any
   * replica; nothing polls.
   */
  WaitTask(argument: _codeq_v1_WaitTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  WaitTask(argument: _codeq_v1_WaitTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  WaitTask(argument: _codeq_v1_WaitTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  WaitTask(argument: _codeq_v1_WaitTaskRequest, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  /**
   * WaitTask answers once the task is COMPLETED, DEAD or CANCELLED, or when
   * `timeout` (or the call's deadline) passes first, with the task as it stands
   * then: its state says which. The server is told when the task finishes on any
   * replica; nothing polls.
   */
  waitTask(argument: _codeq_v1_WaitTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  waitTask(argument: _codeq_v1_WaitTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  waitTask(argument: _codeq_v1_WaitTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  waitTask(argument: _codeq_v1_WaitTaskRequest, callback: grpc.requestCallback<_codeq_v1_Task__Output>): grpc.ClientUnaryCall;
  
}

/**
 * TaskService is the producer's API.
 */
export interface TaskServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * CancelTask stops a task from running: a pending or scheduled task never runs;
   * a leased one is not renewed and is not retried.
   */
  CancelTask: grpc.handleUnaryCall<_codeq_v1_CancelTaskRequest__Output, _codeq_v1_CancelTaskResponse>;
  
  /**
   * Enqueue adds one task. The task is stored before the reply is sent.
   */
  Enqueue: grpc.handleUnaryCall<_codeq_v1_EnqueueRequest__Output, _codeq_v1_EnqueueResponse>;
  
  /**
   * EnqueueBatch adds many tasks in one round trip. Validation is all-or-nothing:
   * if any task is invalid, none is stored.
   */
  EnqueueBatch: grpc.handleUnaryCall<_codeq_v1_EnqueueBatchRequest__Output, _codeq_v1_EnqueueBatchResponse>;
  
  /**
   * EnqueueStream is for high-rate producers: one long-lived stream instead of a
   * call per task. Each request is answered by exactly one response, in request
   * order; a refused request (bad input, payload too large) is answered with its
   * status code and leaves the stream open. Validation is all-or-nothing per request.
   */
  EnqueueStream: grpc.handleBidiStreamingCall<_codeq_v1_EnqueueStreamRequest__Output, _codeq_v1_EnqueueStreamResponse>;
  
  /**
   * GetTask returns a task's state, attempts, last error and result.
   */
  GetTask: grpc.handleUnaryCall<_codeq_v1_GetTaskRequest__Output, _codeq_v1_Task>;
  
  /**
   * WaitTask answers once the task is COMPLETED, DEAD or CANCELLED, or when
   * `timeout` (or the call's deadline) passes first, with the task as it stands
   * then: its state says which. The server is told when the task finishes on any
   * replica; nothing polls.
   */
  WaitTask: grpc.handleUnaryCall<_codeq_v1_WaitTaskRequest__Output, _codeq_v1_Task>;
  
}

export interface TaskServiceDefinition extends grpc.ServiceDefinition {
  CancelTask: MethodDefinition<_codeq_v1_CancelTaskRequest, _codeq_v1_CancelTaskResponse, _codeq_v1_CancelTaskRequest__Output, _codeq_v1_CancelTaskResponse__Output>
  Enqueue: MethodDefinition<_codeq_v1_EnqueueRequest, _codeq_v1_EnqueueResponse, _codeq_v1_EnqueueRequest__Output, _codeq_v1_EnqueueResponse__Output>
  EnqueueBatch: MethodDefinition<_codeq_v1_EnqueueBatchRequest, _codeq_v1_EnqueueBatchResponse, _codeq_v1_EnqueueBatchRequest__Output, _codeq_v1_EnqueueBatchResponse__Output>
  EnqueueStream: MethodDefinition<_codeq_v1_EnqueueStreamRequest, _codeq_v1_EnqueueStreamResponse, _codeq_v1_EnqueueStreamRequest__Output, _codeq_v1_EnqueueStreamResponse__Output>
  GetTask: MethodDefinition<_codeq_v1_GetTaskRequest, _codeq_v1_Task, _codeq_v1_GetTaskRequest__Output, _codeq_v1_Task__Output>
  WaitTask: MethodDefinition<_codeq_v1_WaitTaskRequest, _codeq_v1_Task, _codeq_v1_WaitTaskRequest__Output, _codeq_v1_Task__Output>
}
