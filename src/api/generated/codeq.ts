import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AdminServiceClient as _codeq_v1_AdminServiceClient, AdminServiceDefinition as _codeq_v1_AdminServiceDefinition } from './codeq/v1/AdminService.js';
import type { CancelTaskRequest as _codeq_v1_CancelTaskRequest, CancelTaskRequest__Output as _codeq_v1_CancelTaskRequest__Output } from './codeq/v1/CancelTaskRequest.js';
import type { CancelTaskResponse as _codeq_v1_CancelTaskResponse, CancelTaskResponse__Output as _codeq_v1_CancelTaskResponse__Output } from './codeq/v1/CancelTaskResponse.js';
import type { ClaimRequest as _codeq_v1_ClaimRequest, ClaimRequest__Output as _codeq_v1_ClaimRequest__Output } from './codeq/v1/ClaimRequest.js';
import type { ClaimResponse as _codeq_v1_ClaimResponse, ClaimResponse__Output as _codeq_v1_ClaimResponse__Output } from './codeq/v1/ClaimResponse.js';
import type { CompleteRequest as _codeq_v1_CompleteRequest, CompleteRequest__Output as _codeq_v1_CompleteRequest__Output } from './codeq/v1/CompleteRequest.js';
import type { CompleteResponse as _codeq_v1_CompleteResponse, CompleteResponse__Output as _codeq_v1_CompleteResponse__Output } from './codeq/v1/CompleteResponse.js';
import type { EnqueueBatchRequest as _codeq_v1_EnqueueBatchRequest, EnqueueBatchRequest__Output as _codeq_v1_EnqueueBatchRequest__Output } from './codeq/v1/EnqueueBatchRequest.js';
import type { EnqueueBatchResponse as _codeq_v1_EnqueueBatchResponse, EnqueueBatchResponse__Output as _codeq_v1_EnqueueBatchResponse__Output } from './codeq/v1/EnqueueBatchResponse.js';
import type { EnqueueRequest as _codeq_v1_EnqueueRequest, EnqueueRequest__Output as _codeq_v1_EnqueueRequest__Output } from './codeq/v1/EnqueueRequest.js';
import type { EnqueueResponse as _codeq_v1_EnqueueResponse, EnqueueResponse__Output as _codeq_v1_EnqueueResponse__Output } from './codeq/v1/EnqueueResponse.js';
import type { EnqueueStreamRequest as _codeq_v1_EnqueueStreamRequest, EnqueueStreamRequest__Output as _codeq_v1_EnqueueStreamRequest__Output } from './codeq/v1/EnqueueStreamRequest.js';
import type { EnqueueStreamResponse as _codeq_v1_EnqueueStreamResponse, EnqueueStreamResponse__Output as _codeq_v1_EnqueueStreamResponse__Output } from './codeq/v1/EnqueueStreamResponse.js';
import type { GetQueueConfigRequest as _codeq_v1_GetQueueConfigRequest, GetQueueConfigRequest__Output as _codeq_v1_GetQueueConfigRequest__Output } from './codeq/v1/GetQueueConfigRequest.js';
import type { GetQueueStatsRequest as _codeq_v1_GetQueueStatsRequest, GetQueueStatsRequest__Output as _codeq_v1_GetQueueStatsRequest__Output } from './codeq/v1/GetQueueStatsRequest.js';
import type { GetTaskRequest as _codeq_v1_GetTaskRequest, GetTaskRequest__Output as _codeq_v1_GetTaskRequest__Output } from './codeq/v1/GetTaskRequest.js';
import type { KeyStats as _codeq_v1_KeyStats, KeyStats__Output as _codeq_v1_KeyStats__Output } from './codeq/v1/KeyStats.js';
import type { ListKeysRequest as _codeq_v1_ListKeysRequest, ListKeysRequest__Output as _codeq_v1_ListKeysRequest__Output } from './codeq/v1/ListKeysRequest.js';
import type { ListKeysResponse as _codeq_v1_ListKeysResponse, ListKeysResponse__Output as _codeq_v1_ListKeysResponse__Output } from './codeq/v1/ListKeysResponse.js';
import type { ListQueuesRequest as _codeq_v1_ListQueuesRequest, ListQueuesRequest__Output as _codeq_v1_ListQueuesRequest__Output } from './codeq/v1/ListQueuesRequest.js';
import type { ListQueuesResponse as _codeq_v1_ListQueuesResponse, ListQueuesResponse__Output as _codeq_v1_ListQueuesResponse__Output } from './codeq/v1/ListQueuesResponse.js';
import type { ListTasksRequest as _codeq_v1_ListTasksRequest, ListTasksRequest__Output as _codeq_v1_ListTasksRequest__Output } from './codeq/v1/ListTasksRequest.js';
import type { ListTasksResponse as _codeq_v1_ListTasksResponse, ListTasksResponse__Output as _codeq_v1_ListTasksResponse__Output } from './codeq/v1/ListTasksResponse.js';
import type { PauseQueueRequest as _codeq_v1_PauseQueueRequest, PauseQueueRequest__Output as _codeq_v1_PauseQueueRequest__Output } from './codeq/v1/PauseQueueRequest.js';
import type { PauseQueueResponse as _codeq_v1_PauseQueueResponse, PauseQueueResponse__Output as _codeq_v1_PauseQueueResponse__Output } from './codeq/v1/PauseQueueResponse.js';
import type { PurgeQueueRequest as _codeq_v1_PurgeQueueRequest, PurgeQueueRequest__Output as _codeq_v1_PurgeQueueRequest__Output } from './codeq/v1/PurgeQueueRequest.js';
import type { PurgeQueueResponse as _codeq_v1_PurgeQueueResponse, PurgeQueueResponse__Output as _codeq_v1_PurgeQueueResponse__Output } from './codeq/v1/PurgeQueueResponse.js';
import type { QueueConfig as _codeq_v1_QueueConfig, QueueConfig__Output as _codeq_v1_QueueConfig__Output } from './codeq/v1/QueueConfig.js';
import type { QueueStats as _codeq_v1_QueueStats, QueueStats__Output as _codeq_v1_QueueStats__Output } from './codeq/v1/QueueStats.js';
import type { RedriveDeadTasksRequest as _codeq_v1_RedriveDeadTasksRequest, RedriveDeadTasksRequest__Output as _codeq_v1_RedriveDeadTasksRequest__Output } from './codeq/v1/RedriveDeadTasksRequest.js';
import type { RedriveDeadTasksResponse as _codeq_v1_RedriveDeadTasksResponse, RedriveDeadTasksResponse__Output as _codeq_v1_RedriveDeadTasksResponse__Output } from './codeq/v1/RedriveDeadTasksResponse.js';
import type { ResumeQueueRequest as _codeq_v1_ResumeQueueRequest, ResumeQueueRequest__Output as _codeq_v1_ResumeQueueRequest__Output } from './codeq/v1/ResumeQueueRequest.js';
import type { ResumeQueueResponse as _codeq_v1_ResumeQueueResponse, ResumeQueueResponse__Output as _codeq_v1_ResumeQueueResponse__Output } from './codeq/v1/ResumeQueueResponse.js';
import type { RetryPolicy as _codeq_v1_RetryPolicy, RetryPolicy__Output as _codeq_v1_RetryPolicy__Output } from './codeq/v1/RetryPolicy.js';
import type { SetQueueConfigRequest as _codeq_v1_SetQueueConfigRequest, SetQueueConfigRequest__Output as _codeq_v1_SetQueueConfigRequest__Output } from './codeq/v1/SetQueueConfigRequest.js';
import type { Task as _codeq_v1_Task, Task__Output as _codeq_v1_Task__Output } from './codeq/v1/Task.js';
import type { TaskServiceClient as _codeq_v1_TaskServiceClient, TaskServiceDefinition as _codeq_v1_TaskServiceDefinition } from './codeq/v1/TaskService.js';
import type { WaitTaskRequest as _codeq_v1_WaitTaskRequest, WaitTaskRequest__Output as _codeq_v1_WaitTaskRequest__Output } from './codeq/v1/WaitTaskRequest.js';
import type { WorkerServiceClient as _codeq_v1_WorkerServiceClient, WorkerServiceDefinition as _codeq_v1_WorkerServiceDefinition } from './codeq/v1/WorkerService.js';
import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from './google/protobuf/Duration.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  codeq: {
    v1: {
      /**
       * AdminService is the operator's API. Every call needs the `admin` scope on the
       * queues it names (every queue, for ListQueues) when access control is on.
       */
      AdminService: SubtypeConstructor<typeof grpc.Client, _codeq_v1_AdminServiceClient> & { service: _codeq_v1_AdminServiceDefinition }
      CancelTaskRequest: MessageTypeDefinition<_codeq_v1_CancelTaskRequest, _codeq_v1_CancelTaskRequest__Output>
      CancelTaskResponse: MessageTypeDefinition<_codeq_v1_CancelTaskResponse, _codeq_v1_CancelTaskResponse__Output>
      ClaimRequest: MessageTypeDefinition<_codeq_v1_ClaimRequest, _codeq_v1_ClaimRequest__Output>
      ClaimResponse: MessageTypeDefinition<_codeq_v1_ClaimResponse, _codeq_v1_ClaimResponse__Output>
      CompleteRequest: MessageTypeDefinition<_codeq_v1_CompleteRequest, _codeq_v1_CompleteRequest__Output>
      CompleteResponse: MessageTypeDefinition<_codeq_v1_CompleteResponse, _codeq_v1_CompleteResponse__Output>
      EnqueueBatchRequest: MessageTypeDefinition<_codeq_v1_EnqueueBatchRequest, _codeq_v1_EnqueueBatchRequest__Output>
      EnqueueBatchResponse: MessageTypeDefinition<_codeq_v1_EnqueueBatchResponse, _codeq_v1_EnqueueBatchResponse__Output>
      EnqueueRequest: MessageTypeDefinition<_codeq_v1_EnqueueRequest, _codeq_v1_EnqueueRequest__Output>
      EnqueueResponse: MessageTypeDefinition<_codeq_v1_EnqueueResponse, _codeq_v1_EnqueueResponse__Output>
      EnqueueStreamRequest: MessageTypeDefinition<_codeq_v1_EnqueueStreamRequest, _codeq_v1_EnqueueStreamRequest__Output>
      EnqueueStreamResponse: MessageTypeDefinition<_codeq_v1_EnqueueStreamResponse, _codeq_v1_EnqueueStreamResponse__Output>
      GetQueueConfigRequest: MessageTypeDefinition<_codeq_v1_GetQueueConfigRequest, _codeq_v1_GetQueueConfigRequest__Output>
      GetQueueStatsRequest: MessageTypeDefinition<_codeq_v1_GetQueueStatsRequest, _codeq_v1_GetQueueStatsRequest__Output>
      GetTaskRequest: MessageTypeDefinition<_codeq_v1_GetTaskRequest, _codeq_v1_GetTaskRequest__Output>
      KeyStats: MessageTypeDefinition<_codeq_v1_KeyStats, _codeq_v1_KeyStats__Output>
      ListKeysRequest: MessageTypeDefinition<_codeq_v1_ListKeysRequest, _codeq_v1_ListKeysRequest__Output>
      ListKeysResponse: MessageTypeDefinition<_codeq_v1_ListKeysResponse, _codeq_v1_ListKeysResponse__Output>
      ListQueuesRequest: MessageTypeDefinition<_codeq_v1_ListQueuesRequest, _codeq_v1_ListQueuesRequest__Output>
      ListQueuesResponse: MessageTypeDefinition<_codeq_v1_ListQueuesResponse, _codeq_v1_ListQueuesResponse__Output>
      ListTasksRequest: MessageTypeDefinition<_codeq_v1_ListTasksRequest, _codeq_v1_ListTasksRequest__Output>
      ListTasksResponse: MessageTypeDefinition<_codeq_v1_ListTasksResponse, _codeq_v1_ListTasksResponse__Output>
      PauseQueueRequest: MessageTypeDefinition<_codeq_v1_PauseQueueRequest, _codeq_v1_PauseQueueRequest__Output>
      PauseQueueResponse: MessageTypeDefinition<_codeq_v1_PauseQueueResponse, _codeq_v1_PauseQueueResponse__Output>
      PurgeQueueRequest: MessageTypeDefinition<_codeq_v1_PurgeQueueRequest, _codeq_v1_PurgeQueueRequest__Output>
      PurgeQueueResponse: MessageTypeDefinition<_codeq_v1_PurgeQueueResponse, _codeq_v1_PurgeQueueResponse__Output>
      QueueConfig: MessageTypeDefinition<_codeq_v1_QueueConfig, _codeq_v1_QueueConfig__Output>
      QueueStats: MessageTypeDefinition<_codeq_v1_QueueStats, _codeq_v1_QueueStats__Output>
      RedriveDeadTasksRequest: MessageTypeDefinition<_codeq_v1_RedriveDeadTasksRequest, _codeq_v1_RedriveDeadTasksRequest__Output>
      RedriveDeadTasksResponse: MessageTypeDefinition<_codeq_v1_RedriveDeadTasksResponse, _codeq_v1_RedriveDeadTasksResponse__Output>
      ResumeQueueRequest: MessageTypeDefinition<_codeq_v1_ResumeQueueRequest, _codeq_v1_ResumeQueueRequest__Output>
      ResumeQueueResponse: MessageTypeDefinition<_codeq_v1_ResumeQueueResponse, _codeq_v1_ResumeQueueResponse__Output>
      RetryPolicy: MessageTypeDefinition<_codeq_v1_RetryPolicy, _codeq_v1_RetryPolicy__Output>
      SetQueueConfigRequest: MessageTypeDefinition<_codeq_v1_SetQueueConfigRequest, _codeq_v1_SetQueueConfigRequest__Output>
      Task: MessageTypeDefinition<_codeq_v1_Task, _codeq_v1_Task__Output>
      /**
       * TaskService is the producer's API.
       */
      TaskService: SubtypeConstructor<typeof grpc.Client, _codeq_v1_TaskServiceClient> & { service: _codeq_v1_TaskServiceDefinition }
      TaskState: EnumTypeDefinition
      WaitTaskRequest: MessageTypeDefinition<_codeq_v1_WaitTaskRequest, _codeq_v1_WaitTaskRequest__Output>
      /**
       * WorkerService is the worker's API.
       */
      WorkerService: SubtypeConstructor<typeof grpc.Client, _codeq_v1_WorkerServiceClient> & { service: _codeq_v1_WorkerServiceDefinition }
    }
  }
  google: {
    protobuf: {
      Duration: MessageTypeDefinition<_google_protobuf_Duration, _google_protobuf_Duration__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

