// Original file: proto/codeq/v1/codeq.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ClaimRequest as _codeq_v1_ClaimRequest, ClaimRequest__Output as _codeq_v1_ClaimRequest__Output } from '../../codeq/v1/ClaimRequest.js';
import type { ClaimResponse as _codeq_v1_ClaimResponse, ClaimResponse__Output as _codeq_v1_ClaimResponse__Output } from '../../codeq/v1/ClaimResponse.js';
import type { CompleteRequest as _codeq_v1_CompleteRequest, CompleteRequest__Output as _codeq_v1_CompleteRequest__Output } from '../../codeq/v1/CompleteRequest.js';
import type { CompleteResponse as _codeq_v1_CompleteResponse, CompleteResponse__Output as _codeq_v1_CompleteResponse__Output } from '../../codeq/v1/CompleteResponse.js';

/**
 * WorkerService is the worker's API.
 */
export interface WorkerServiceClient extends grpc.Client {
  /**
   * Claim is the worker's long-lived stream. The first request carries `open`;
   * later requests grant credit and settle leases. The server answers `opened`,
   * then pushes leases while credit lasts and one outcome per settle.
   */
  Claim(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_codeq_v1_ClaimRequest, _codeq_v1_ClaimResponse__Output>;
  Claim(options?: grpc.CallOptions): grpc.ClientDuplexStream<_codeq_v1_ClaimRequest, _codeq_v1_ClaimResponse__Output>;
  /**
   * Claim is the worker's long-lived stream. The first request carries `open`;
   * later requests grant credit and settle leases. The server answers `opened`,
   * then pushes leases while credit lasts and one outcome per settle.
   */
  claim(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_codeq_v1_ClaimRequest, _codeq_v1_ClaimResponse__Output>;
  claim(options?: grpc.CallOptions): grpc.ClientDuplexStream<_codeq_v1_ClaimRequest, _codeq_v1_ClaimResponse__Output>;
  
  /**
   * Complete settles a lease outside a stream.
   */
  Complete(argument: _codeq_v1_CompleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_CompleteResponse__Output>): grpc.ClientUnaryCall;
  Complete(argument: _codeq_v1_CompleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_CompleteResponse__Output>): grpc.ClientUnaryCall;
  Complete(argument: _codeq_v1_CompleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_CompleteResponse__Output>): grpc.ClientUnaryCall;
  Complete(argument: _codeq_v1_CompleteRequest, callback: grpc.requestCallback<_codeq_v1_CompleteResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Complete settles a lease outside a stream.
   */
  complete(argument: _codeq_v1_CompleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_CompleteResponse__Output>): grpc.ClientUnaryCall;
  complete(argument: _codeq_v1_CompleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_codeq_v1_CompleteResponse__Output>): grpc.ClientUnaryCall;
  complete(argument: _codeq_v1_CompleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_codeq_v1_CompleteResponse__Output>): grpc.ClientUnaryCall;
  complete(argument: _codeq_v1_CompleteRequest, callback: grpc.requestCallback<_codeq_v1_CompleteResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * WorkerService is the worker's API.
 */
export interface WorkerServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Claim is the worker's long-lived stream. The first request carries `open`;
   * later requests grant credit and settle leases. The server answers `opened`,
   * then pushes leases while credit lasts and one outcome per settle.
   */
  Claim: grpc.handleBidiStreamingCall<_codeq_v1_ClaimRequest__Output, _codeq_v1_ClaimResponse>;
  
  /**
   * Complete settles a lease outside a stream.
   */
  Complete: grpc.handleUnaryCall<_codeq_v1_CompleteRequest__Output, _codeq_v1_CompleteResponse>;
  
}

export interface WorkerServiceDefinition extends grpc.ServiceDefinition {
  Claim: MethodDefinition<_codeq_v1_ClaimRequest, _codeq_v1_ClaimResponse, _codeq_v1_ClaimRequest__Output, _codeq_v1_ClaimResponse__Output>
  Complete: MethodDefinition<_codeq_v1_CompleteRequest, _codeq_v1_CompleteResponse, _codeq_v1_CompleteRequest__Output, _codeq_v1_CompleteResponse__Output>
}
