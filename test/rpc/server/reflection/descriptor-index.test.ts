import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthService } from '../../../../gen/auth/v1/auth_service_pb.js';
import { file_mesh_v1_error_details } from '../../../../gen/mesh/v1/error_details_pb.js';
import { createDescriptorIndex } from '../../../../src/rpc/server/reflection/descriptor-index.js';

test('error-detail types are resolvable by reflection even when no RPC uses them', () => {
  const withoutDetails = createDescriptorIndex([AuthService]);
  const withDetails = createDescriptorIndex([AuthService], [file_mesh_v1_error_details]);
  assert.equal(withDetails.fileContainingSymbol('mesh.v1.BadRequest')?.name, 'mesh/v1/error_details');
  assert.equal(withDetails.fileContainingSymbol('mesh.v1.ErrorInfo')?.name, 'mesh/v1/error_details');
  assert.equal(withDetails.fileContainingSymbol('auth.v1.AuthService.GetUser')?.name, 'auth/v1/auth_service');
  assert.equal(withoutDetails.fileContainingSymbol('mesh.v1.ErrorInfo'), undefined, 'only served or listed files are indexed');
});
