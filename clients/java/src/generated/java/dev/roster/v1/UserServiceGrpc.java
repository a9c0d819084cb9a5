package dev.roster.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * UserService manages organizations, their tenants and users, and each user's
 * access keys and personal configuration.
 * Built-in roles: `super-admin` (every organization), `org-admin` (its own
 * organization), `tenant-admin` (its own tenant) and `user` (itself). Any
 * other role string is an application role: stored and returned, granting
 * nothing inside roster.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: roster/v1/user.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class UserServiceGrpc {

  private UserServiceGrpc() {}

  public static final String SERVICE_NAME = "roster.v1.UserService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.CreateAccessKeyRequest,
      dev.roster.v1.GetAccessKeyResponse> getCreateAccessKeyMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateAccessKey",
      requestType = dev.roster.v1.CreateAccessKeyRequest.class,
      responseType = dev.roster.v1.GetAccessKeyResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.CreateAccessKeyRequest,
      dev.roster.v1.GetAccessKeyResponse> getCreateAccessKeyMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.CreateAccessKeyRequest, dev.roster.v1.GetAccessKeyResponse> getCreateAccessKeyMethod;
    if ((getCreateAccessKeyMethod = UserServiceGrpc.getCreateAccessKeyMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getCreateAccessKeyMethod = UserServiceGrpc.getCreateAccessKeyMethod) == null) {
          UserServiceGrpc.getCreateAccessKeyMethod = getCreateAccessKeyMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.CreateAccessKeyRequest, dev.roster.v1.GetAccessKeyResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateAccessKey"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CreateAccessKeyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.GetAccessKeyResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("CreateAccessKey"))
              .build();
        }
      }
    }
    return getCreateAccessKeyMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.GetAccessKeyRequest,
      dev.roster.v1.GetAccessKeyResponse> getListAccessKeysMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListAccessKeys",
      requestType = dev.roster.v1.GetAccessKeyRequest.class,
      responseType = dev.roster.v1.GetAccessKeyResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.GetAccessKeyRequest,
      dev.roster.v1.GetAccessKeyResponse> getListAccessKeysMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.GetAccessKeyRequest, dev.roster.v1.GetAccessKeyResponse> getListAccessKeysMethod;
    if ((getListAccessKeysMethod = UserServiceGrpc.getListAccessKeysMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getListAccessKeysMethod = UserServiceGrpc.getListAccessKeysMethod) == null) {
          UserServiceGrpc.getListAccessKeysMethod = getListAccessKeysMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.GetAccessKeyRequest, dev.roster.v1.GetAccessKeyResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListAccessKeys"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.GetAccessKeyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.GetAccessKeyResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("ListAccessKeys"))
              .build();
        }
      }
    }
    return getListAccessKeysMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.DelAccessKeyRequest,
      dev.roster.v1.DelAccessKeyResponse> getDeleteAccessKeyMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteAccessKey",
      requestType = dev.roster.v1.DelAccessKeyRequest.class,
      responseType = dev.roster.v1.DelAccessKeyResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.DelAccessKeyRequest,
      dev.roster.v1.DelAccessKeyResponse> getDeleteAccessKeyMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.DelAccessKeyRequest, dev.roster.v1.DelAccessKeyResponse> getDeleteAccessKeyMethod;
    if ((getDeleteAccessKeyMethod = UserServiceGrpc.getDeleteAccessKeyMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getDeleteAccessKeyMethod = UserServiceGrpc.getDeleteAccessKeyMethod) == null) {
          UserServiceGrpc.getDeleteAccessKeyMethod = getDeleteAccessKeyMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.DelAccessKeyRequest, dev.roster.v1.DelAccessKeyResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteAccessKey"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.DelAccessKeyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.DelAccessKeyResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("DeleteAccessKey"))
              .build();
        }
      }
    }
    return getDeleteAccessKeyMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.GetUserInfoRequest,
      dev.roster.v1.GetUserInfoResponse> getGetInfoMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetInfo",
      requestType = dev.roster.v1.GetUserInfoRequest.class,
      responseType = dev.roster.v1.GetUserInfoResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.GetUserInfoRequest,
      dev.roster.v1.GetUserInfoResponse> getGetInfoMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.GetUserInfoRequest, dev.roster.v1.GetUserInfoResponse> getGetInfoMethod;
    if ((getGetInfoMethod = UserServiceGrpc.getGetInfoMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getGetInfoMethod = UserServiceGrpc.getGetInfoMethod) == null) {
          UserServiceGrpc.getGetInfoMethod = getGetInfoMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.GetUserInfoRequest, dev.roster.v1.GetUserInfoResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetInfo"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.GetUserInfoRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.GetUserInfoResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("GetInfo"))
              .build();
        }
      }
    }
    return getGetInfoMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.UpdateConfigRequest,
      dev.roster.v1.UpdateConfigResponse> getUpdateConfigMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UpdateConfig",
      requestType = dev.roster.v1.UpdateConfigRequest.class,
      responseType = dev.roster.v1.UpdateConfigResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.UpdateConfigRequest,
      dev.roster.v1.UpdateConfigResponse> getUpdateConfigMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.UpdateConfigRequest, dev.roster.v1.UpdateConfigResponse> getUpdateConfigMethod;
    if ((getUpdateConfigMethod = UserServiceGrpc.getUpdateConfigMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getUpdateConfigMethod = UserServiceGrpc.getUpdateConfigMethod) == null) {
          UserServiceGrpc.getUpdateConfigMethod = getUpdateConfigMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.UpdateConfigRequest, dev.roster.v1.UpdateConfigResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UpdateConfig"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.UpdateConfigRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.UpdateConfigResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("UpdateConfig"))
              .build();
        }
      }
    }
    return getUpdateConfigMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.CreateUserRequest,
      dev.roster.v1.CommonResponse> getCreateUserMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateUser",
      requestType = dev.roster.v1.CreateUserRequest.class,
      responseType = dev.roster.v1.CommonResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.CreateUserRequest,
      dev.roster.v1.CommonResponse> getCreateUserMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.CreateUserRequest, dev.roster.v1.CommonResponse> getCreateUserMethod;
    if ((getCreateUserMethod = UserServiceGrpc.getCreateUserMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getCreateUserMethod = UserServiceGrpc.getCreateUserMethod) == null) {
          UserServiceGrpc.getCreateUserMethod = getCreateUserMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.CreateUserRequest, dev.roster.v1.CommonResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateUser"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CreateUserRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CommonResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("CreateUser"))
              .build();
        }
      }
    }
    return getCreateUserMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.DeleteUserRequest,
      dev.roster.v1.CommonResponse> getDeleteUserMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteUser",
      requestType = dev.roster.v1.DeleteUserRequest.class,
      responseType = dev.roster.v1.CommonResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.DeleteUserRequest,
      dev.roster.v1.CommonResponse> getDeleteUserMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.DeleteUserRequest, dev.roster.v1.CommonResponse> getDeleteUserMethod;
    if ((getDeleteUserMethod = UserServiceGrpc.getDeleteUserMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getDeleteUserMethod = UserServiceGrpc.getDeleteUserMethod) == null) {
          UserServiceGrpc.getDeleteUserMethod = getDeleteUserMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.DeleteUserRequest, dev.roster.v1.CommonResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteUser"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.DeleteUserRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CommonResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("DeleteUser"))
              .build();
        }
      }
    }
    return getDeleteUserMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.UpdateUserRequest,
      dev.roster.v1.CommonResponse> getUpdateUserMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UpdateUser",
      requestType = dev.roster.v1.UpdateUserRequest.class,
      responseType = dev.roster.v1.CommonResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.UpdateUserRequest,
      dev.roster.v1.CommonResponse> getUpdateUserMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.UpdateUserRequest, dev.roster.v1.CommonResponse> getUpdateUserMethod;
    if ((getUpdateUserMethod = UserServiceGrpc.getUpdateUserMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getUpdateUserMethod = UserServiceGrpc.getUpdateUserMethod) == null) {
          UserServiceGrpc.getUpdateUserMethod = getUpdateUserMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.UpdateUserRequest, dev.roster.v1.CommonResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UpdateUser"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.UpdateUserRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CommonResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("UpdateUser"))
              .build();
        }
      }
    }
    return getUpdateUserMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.ListUsersRequest,
      dev.roster.v1.ListUsersResponse> getListUsersMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListUsers",
      requestType = dev.roster.v1.ListUsersRequest.class,
      responseType = dev.roster.v1.ListUsersResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.ListUsersRequest,
      dev.roster.v1.ListUsersResponse> getListUsersMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.ListUsersRequest, dev.roster.v1.ListUsersResponse> getListUsersMethod;
    if ((getListUsersMethod = UserServiceGrpc.getListUsersMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getListUsersMethod = UserServiceGrpc.getListUsersMethod) == null) {
          UserServiceGrpc.getListUsersMethod = getListUsersMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.ListUsersRequest, dev.roster.v1.ListUsersResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListUsers"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.ListUsersRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.ListUsersResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("ListUsers"))
              .build();
        }
      }
    }
    return getListUsersMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.CreateTenantRequest,
      dev.roster.v1.CommonResponse> getCreateTenantMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateTenant",
      requestType = dev.roster.v1.CreateTenantRequest.class,
      responseType = dev.roster.v1.CommonResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.CreateTenantRequest,
      dev.roster.v1.CommonResponse> getCreateTenantMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.CreateTenantRequest, dev.roster.v1.CommonResponse> getCreateTenantMethod;
    if ((getCreateTenantMethod = UserServiceGrpc.getCreateTenantMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getCreateTenantMethod = UserServiceGrpc.getCreateTenantMethod) == null) {
          UserServiceGrpc.getCreateTenantMethod = getCreateTenantMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.CreateTenantRequest, dev.roster.v1.CommonResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateTenant"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CreateTenantRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CommonResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("CreateTenant"))
              .build();
        }
      }
    }
    return getCreateTenantMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.UpdateTenantRequest,
      dev.roster.v1.CommonResponse> getUpdateTenantMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UpdateTenant",
      requestType = dev.roster.v1.UpdateTenantRequest.class,
      responseType = dev.roster.v1.CommonResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.UpdateTenantRequest,
      dev.roster.v1.CommonResponse> getUpdateTenantMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.UpdateTenantRequest, dev.roster.v1.CommonResponse> getUpdateTenantMethod;
    if ((getUpdateTenantMethod = UserServiceGrpc.getUpdateTenantMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getUpdateTenantMethod = UserServiceGrpc.getUpdateTenantMethod) == null) {
          UserServiceGrpc.getUpdateTenantMethod = getUpdateTenantMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.UpdateTenantRequest, dev.roster.v1.CommonResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UpdateTenant"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.UpdateTenantRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CommonResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("UpdateTenant"))
              .build();
        }
      }
    }
    return getUpdateTenantMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.DeleteTenantRequest,
      dev.roster.v1.CommonResponse> getDeleteTenantMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteTenant",
      requestType = dev.roster.v1.DeleteTenantRequest.class,
      responseType = dev.roster.v1.CommonResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.DeleteTenantRequest,
      dev.roster.v1.CommonResponse> getDeleteTenantMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.DeleteTenantRequest, dev.roster.v1.CommonResponse> getDeleteTenantMethod;
    if ((getDeleteTenantMethod = UserServiceGrpc.getDeleteTenantMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getDeleteTenantMethod = UserServiceGrpc.getDeleteTenantMethod) == null) {
          UserServiceGrpc.getDeleteTenantMethod = getDeleteTenantMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.DeleteTenantRequest, dev.roster.v1.CommonResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteTenant"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.DeleteTenantRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CommonResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("DeleteTenant"))
              .build();
        }
      }
    }
    return getDeleteTenantMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.ListTenantsRequest,
      dev.roster.v1.ListTenantsResponse> getListTenantsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListTenants",
      requestType = dev.roster.v1.ListTenantsRequest.class,
      responseType = dev.roster.v1.ListTenantsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.ListTenantsRequest,
      dev.roster.v1.ListTenantsResponse> getListTenantsMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.ListTenantsRequest, dev.roster.v1.ListTenantsResponse> getListTenantsMethod;
    if ((getListTenantsMethod = UserServiceGrpc.getListTenantsMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getListTenantsMethod = UserServiceGrpc.getListTenantsMethod) == null) {
          UserServiceGrpc.getListTenantsMethod = getListTenantsMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.ListTenantsRequest, dev.roster.v1.ListTenantsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListTenants"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.ListTenantsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.ListTenantsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("ListTenants"))
              .build();
        }
      }
    }
    return getListTenantsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.CreateOrganizationRequest,
      dev.roster.v1.CommonResponse> getCreateOrganizationMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateOrganization",
      requestType = dev.roster.v1.CreateOrganizationRequest.class,
      responseType = dev.roster.v1.CommonResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.CreateOrganizationRequest,
      dev.roster.v1.CommonResponse> getCreateOrganizationMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.CreateOrganizationRequest, dev.roster.v1.CommonResponse> getCreateOrganizationMethod;
    if ((getCreateOrganizationMethod = UserServiceGrpc.getCreateOrganizationMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getCreateOrganizationMethod = UserServiceGrpc.getCreateOrganizationMethod) == null) {
          UserServiceGrpc.getCreateOrganizationMethod = getCreateOrganizationMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.CreateOrganizationRequest, dev.roster.v1.CommonResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateOrganization"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CreateOrganizationRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CommonResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("CreateOrganization"))
              .build();
        }
      }
    }
    return getCreateOrganizationMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.UpdateOrganizationRequest,
      dev.roster.v1.CommonResponse> getUpdateOrganizationMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UpdateOrganization",
      requestType = dev.roster.v1.UpdateOrganizationRequest.class,
      responseType = dev.roster.v1.CommonResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.UpdateOrganizationRequest,
      dev.roster.v1.CommonResponse> getUpdateOrganizationMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.UpdateOrganizationRequest, dev.roster.v1.CommonResponse> getUpdateOrganizationMethod;
    if ((getUpdateOrganizationMethod = UserServiceGrpc.getUpdateOrganizationMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getUpdateOrganizationMethod = UserServiceGrpc.getUpdateOrganizationMethod) == null) {
          UserServiceGrpc.getUpdateOrganizationMethod = getUpdateOrganizationMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.UpdateOrganizationRequest, dev.roster.v1.CommonResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UpdateOrganization"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.UpdateOrganizationRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CommonResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("UpdateOrganization"))
              .build();
        }
      }
    }
    return getUpdateOrganizationMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.DeleteOrganizationRequest,
      dev.roster.v1.CommonResponse> getDeleteOrganizationMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteOrganization",
      requestType = dev.roster.v1.DeleteOrganizationRequest.class,
      responseType = dev.roster.v1.CommonResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.DeleteOrganizationRequest,
      dev.roster.v1.CommonResponse> getDeleteOrganizationMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.DeleteOrganizationRequest, dev.roster.v1.CommonResponse> getDeleteOrganizationMethod;
    if ((getDeleteOrganizationMethod = UserServiceGrpc.getDeleteOrganizationMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getDeleteOrganizationMethod = UserServiceGrpc.getDeleteOrganizationMethod) == null) {
          UserServiceGrpc.getDeleteOrganizationMethod = getDeleteOrganizationMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.DeleteOrganizationRequest, dev.roster.v1.CommonResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteOrganization"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.DeleteOrganizationRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.CommonResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("DeleteOrganization"))
              .build();
        }
      }
    }
    return getDeleteOrganizationMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.roster.v1.ListOrganizationsRequest,
      dev.roster.v1.ListOrganizationsResponse> getListOrganizationsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListOrganizations",
      requestType = dev.roster.v1.ListOrganizationsRequest.class,
      responseType = dev.roster.v1.ListOrganizationsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.roster.v1.ListOrganizationsRequest,
      dev.roster.v1.ListOrganizationsResponse> getListOrganizationsMethod() {
    io.grpc.MethodDescriptor<dev.roster.v1.ListOrganizationsRequest, dev.roster.v1.ListOrganizationsResponse> getListOrganizationsMethod;
    if ((getListOrganizationsMethod = UserServiceGrpc.getListOrganizationsMethod) == null) {
      synchronized (UserServiceGrpc.class) {
        if ((getListOrganizationsMethod = UserServiceGrpc.getListOrganizationsMethod) == null) {
          UserServiceGrpc.getListOrganizationsMethod = getListOrganizationsMethod =
              io.grpc.MethodDescriptor.<dev.roster.v1.ListOrganizationsRequest, dev.roster.v1.ListOrganizationsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListOrganizations"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.ListOrganizationsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.roster.v1.ListOrganizationsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UserServiceMethodDescriptorSupplier("ListOrganizations"))
              .build();
        }
      }
    }
    return getListOrganizationsMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static UserServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<UserServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<UserServiceStub>() {
        @java.lang.Override
        public UserServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new UserServiceStub(channel, callOptions);
        }
      };
    return UserServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static UserServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<UserServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<UserServiceBlockingStub>() {
        @java.lang.Override
        public UserServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new UserServiceBlockingStub(channel, callOptions);
        }
      };
    return UserServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static UserServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<UserServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<UserServiceFutureStub>() {
        @java.lang.Override
        public UserServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new UserServiceFutureStub(channel, callOptions);
        }
      };
    return UserServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * UserService manages organizations, their tenants and users, and each user's
   * access keys and personal configuration.
   * Built-in roles: `super-admin` (every organization), `org-admin` (its own
   * organization), `tenant-admin` (its own tenant) and `user` (itself). Any
   * other role string is an application role: stored and returned, granting
   * nothing inside roster.
   * </pre>
   */
  public static abstract class UserServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Creates an access key for the calling user and returns its secret. The
     * secret is returned only here, once; roster keeps only its SHA-256 digest.
     * Errors: INVALID_ARGUMENT (name), ALREADY_EXISTS (the caller already has a
     * key of that name), RESOURCE_EXHAUSTED (the caller already has 100 keys).
     * </pre>
     */
    public void createAccessKey(dev.roster.v1.CreateAccessKeyRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.GetAccessKeyResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateAccessKeyMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the calling user's access keys, sorted by name, with the secret
     * redacted (`rk_…` and its last 4 characters).
     * Errors: INVALID_ARGUMENT (page_size, page_token).
     * </pre>
     */
    public void listAccessKeys(dev.roster.v1.GetAccessKeyRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.GetAccessKeyResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListAccessKeysMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes the named access keys of the calling user, all or none, in one
     * transaction. A deleted key fails its very next call. With
     * `allow_missing`, names the caller has no key of are skipped.
     * Errors: INVALID_ARGUMENT (names empty or malformed), NOT_FOUND (without
     * `allow_missing`: a name the caller has no key of; then nothing is
     * deleted).
     * </pre>
     */
    public void deleteAccessKey(dev.roster.v1.DelAccessKeyRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.DelAccessKeyResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteAccessKeyMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns the calling user: id, name, email, roles in the order given and
     * the union of their permissions, sorted and without duplicates.
     * </pre>
     */
    public void getInfo(dev.roster.v1.GetUserInfoRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.GetUserInfoResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetInfoMethod(), responseObserver);
    }

    /**
     * <pre>
     * Merges `updated` into the calling user's configuration and removes the
     * `deleted` keys in one transaction, then returns the whole configuration.
     * An empty request only reads it.
     * Errors: INVALID_ARGUMENT (a key both updated and deleted, a malformed key,
     * a request over the limits by itself), RESOURCE_EXHAUSTED (the stored
     * configuration would exceed 256 keys or 256 KiB).
     * </pre>
     */
    public void updateConfig(dev.roster.v1.UpdateConfigRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.UpdateConfigResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateConfigMethod(), responseObserver);
    }

    /**
     * <pre>
     * Creates a user. Needs `users:write` over the destination: super-admin
     * anywhere, org-admin in its own organization, tenant-admin in its own
     * tenant; nobody grants a built-in role above its own highest.
     * Errors: INVALID_ARGUMENT (user fields; tenant of another organization),
     * PERMISSION_DENIED, NOT_FOUND (organization or tenant), ALREADY_EXISTS (id).
     * </pre>
     */
    public void createUser(dev.roster.v1.CreateUserRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateUserMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a user with its access keys and configuration.
     * Errors: INVALID_ARGUMENT (id), PERMISSION_DENIED (outside scope, or the
     * user ranks above the caller), NOT_FOUND, FAILED_PRECONDITION (deleting
     * oneself, or the last super-admin).
     * </pre>
     */
    public void deleteUser(dev.roster.v1.DeleteUserRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteUserMethod(), responseObserver);
    }

    /**
     * <pre>
     * Replaces the mutable fields of a user (name, email, tenant_id, org_id,
     * variables, roles) with the request's: every one, or those `update_mask`
     * names; an empty `org_id` keeps the current organization. Moving a user
     * to another organization needs super-admin.
     * Errors: INVALID_ARGUMENT (user fields, update_mask), PERMISSION_DENIED,
     * NOT_FOUND, FAILED_PRECONDITION (demoting the last super-admin).
     * </pre>
     */
    public void updateUser(dev.roster.v1.UpdateUserRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateUserMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists users of an organization (or of one of its tenants), sorted by id;
     * with `lookup_user_id`, only that user. A tenant-admin sees its own
     * tenant's users.
     * Errors: INVALID_ARGUMENT (page_size, page_token, lookup ids),
     * PERMISSION_DENIED, NOT_FOUND (organization or tenant).
     * </pre>
     */
    public void listUsers(dev.roster.v1.ListUsersRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.ListUsersResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListUsersMethod(), responseObserver);
    }

    /**
     * <pre>
     * Creates a tenant. Needs super-admin, or org-admin of the tenant's
     * organization. An empty `org_id` means the caller's organization.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND (organization),
     * ALREADY_EXISTS (id).
     * </pre>
     */
    public void createTenant(dev.roster.v1.CreateTenantRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateTenantMethod(), responseObserver);
    }

    /**
     * <pre>
     * Replaces a tenant's name and variables (both, or those `update_mask`
     * names). A tenant's organization never changes: an empty `org_id` keeps
     * it, another one is INVALID_ARGUMENT.
     * Errors: INVALID_ARGUMENT (tenant fields, update_mask), PERMISSION_DENIED,
     * NOT_FOUND.
     * </pre>
     */
    public void updateTenant(dev.roster.v1.UpdateTenantRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateTenantMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a tenant that has no users.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND,
     * FAILED_PRECONDITION (the tenant still has users).
     * </pre>
     */
    public void deleteTenant(dev.roster.v1.DeleteTenantRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteTenantMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the tenants of an organization, sorted by id. A tenant-admin sees
     * only its own tenant.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND (organization).
     * </pre>
     */
    public void listTenants(dev.roster.v1.ListTenantsRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.ListTenantsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListTenantsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Creates an organization. Super-admin only.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, ALREADY_EXISTS (id).
     * </pre>
     */
    public void createOrganization(dev.roster.v1.CreateOrganizationRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateOrganizationMethod(), responseObserver);
    }

    /**
     * <pre>
     * Replaces an organization's name and variables (both, or those
     * `update_mask` names). Super-admin, or org-admin of that organization.
     * Errors: INVALID_ARGUMENT (organization fields, update_mask),
     * PERMISSION_DENIED, NOT_FOUND.
     * </pre>
     */
    public void updateOrganization(dev.roster.v1.UpdateOrganizationRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateOrganizationMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes an organization that has no tenants and no users. Super-admin
     * only.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND,
     * FAILED_PRECONDITION (the organization still has tenants or users).
     * </pre>
     */
    public void deleteOrganization(dev.roster.v1.DeleteOrganizationRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteOrganizationMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists organizations sorted by id: every one to a super-admin, its own to
     * an org-admin.
     * Errors: INVALID_ARGUMENT (page_size, page_token), PERMISSION_DENIED.
     * </pre>
     */
    public void listOrganizations(dev.roster.v1.ListOrganizationsRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.ListOrganizationsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListOrganizationsMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getCreateAccessKeyMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.CreateAccessKeyRequest,
                dev.roster.v1.GetAccessKeyResponse>(
                  this, METHODID_CREATE_ACCESS_KEY)))
          .addMethod(
            getListAccessKeysMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.GetAccessKeyRequest,
                dev.roster.v1.GetAccessKeyResponse>(
                  this, METHODID_LIST_ACCESS_KEYS)))
          .addMethod(
            getDeleteAccessKeyMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.DelAccessKeyRequest,
                dev.roster.v1.DelAccessKeyResponse>(
                  this, METHODID_DELETE_ACCESS_KEY)))
          .addMethod(
            getGetInfoMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.GetUserInfoRequest,
                dev.roster.v1.GetUserInfoResponse>(
                  this, METHODID_GET_INFO)))
          .addMethod(
            getUpdateConfigMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.UpdateConfigRequest,
                dev.roster.v1.UpdateConfigResponse>(
                  this, METHODID_UPDATE_CONFIG)))
          .addMethod(
            getCreateUserMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.CreateUserRequest,
                dev.roster.v1.CommonResponse>(
                  this, METHODID_CREATE_USER)))
          .addMethod(
            getDeleteUserMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.DeleteUserRequest,
                dev.roster.v1.CommonResponse>(
                  this, METHODID_DELETE_USER)))
          .addMethod(
            getUpdateUserMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.UpdateUserRequest,
                dev.roster.v1.CommonResponse>(
                  this, METHODID_UPDATE_USER)))
          .addMethod(
            getListUsersMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.ListUsersRequest,
                dev.roster.v1.ListUsersResponse>(
                  this, METHODID_LIST_USERS)))
          .addMethod(
            getCreateTenantMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.CreateTenantRequest,
                dev.roster.v1.CommonResponse>(
                  this, METHODID_CREATE_TENANT)))
          .addMethod(
            getUpdateTenantMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.UpdateTenantRequest,
                dev.roster.v1.CommonResponse>(
                  this, METHODID_UPDATE_TENANT)))
          .addMethod(
            getDeleteTenantMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.DeleteTenantRequest,
                dev.roster.v1.CommonResponse>(
                  this, METHODID_DELETE_TENANT)))
          .addMethod(
            getListTenantsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.ListTenantsRequest,
                dev.roster.v1.ListTenantsResponse>(
                  this, METHODID_LIST_TENANTS)))
          .addMethod(
            getCreateOrganizationMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.CreateOrganizationRequest,
                dev.roster.v1.CommonResponse>(
                  this, METHODID_CREATE_ORGANIZATION)))
          .addMethod(
            getUpdateOrganizationMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.UpdateOrganizationRequest,
                dev.roster.v1.CommonResponse>(
                  this, METHODID_UPDATE_ORGANIZATION)))
          .addMethod(
            getDeleteOrganizationMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.DeleteOrganizationRequest,
                dev.roster.v1.CommonResponse>(
                  this, METHODID_DELETE_ORGANIZATION)))
          .addMethod(
            getListOrganizationsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.roster.v1.ListOrganizationsRequest,
                dev.roster.v1.ListOrganizationsResponse>(
                  this, METHODID_LIST_ORGANIZATIONS)))
          .build();
    }
  }

  /**
   * <pre>
   * UserService manages organizations, their tenants and users, and each user's
   * access keys and personal configuration.
   * Built-in roles: `super-admin` (every organization), `org-admin` (its own
   * organization), `tenant-admin` (its own tenant) and `user` (itself). Any
   * other role string is an application role: stored and returned, granting
   * nothing inside roster.
   * </pre>
   */
  public static final class UserServiceStub extends io.grpc.stub.AbstractAsyncStub<UserServiceStub> {
    private UserServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected UserServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new UserServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an access key for the calling user and returns its secret. The
     * secret is returned only here, once; roster keeps only its SHA-256 digest.
     * Errors: INVALID_ARGUMENT (name), ALREADY_EXISTS (the caller already has a
     * key of that name), RESOURCE_EXHAUSTED (the caller already has 100 keys).
     * </pre>
     */
    public void createAccessKey(dev.roster.v1.CreateAccessKeyRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.GetAccessKeyResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateAccessKeyMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the calling user's access keys, sorted by name, with the secret
     * redacted (`rk_…` and its last 4 characters).
     * Errors: INVALID_ARGUMENT (page_size, page_token).
     * </pre>
     */
    public void listAccessKeys(dev.roster.v1.GetAccessKeyRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.GetAccessKeyResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListAccessKeysMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes the named access keys of the calling user, all or none, in one
     * transaction. A deleted key fails its very next call. With
     * `allow_missing`, names the caller has no key of are skipped.
     * Errors: INVALID_ARGUMENT (names empty or malformed), NOT_FOUND (without
     * `allow_missing`: a name the caller has no key of; then nothing is
     * deleted).
     * </pre>
     */
    public void deleteAccessKey(dev.roster.v1.DelAccessKeyRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.DelAccessKeyResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteAccessKeyMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns the calling user: id, name, email, roles in the order given and
     * the union of their permissions, sorted and without duplicates.
     * </pre>
     */
    public void getInfo(dev.roster.v1.GetUserInfoRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.GetUserInfoResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetInfoMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Merges `updated` into the calling user's configuration and removes the
     * `deleted` keys in one transaction, then returns the whole configuration.
     * An empty request only reads it.
     * Errors: INVALID_ARGUMENT (a key both updated and deleted, a malformed key,
     * a request over the limits by itself), RESOURCE_EXHAUSTED (the stored
     * configuration would exceed 256 keys or 256 KiB).
     * </pre>
     */
    public void updateConfig(dev.roster.v1.UpdateConfigRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.UpdateConfigResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateConfigMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Creates a user. Needs `users:write` over the destination: super-admin
     * anywhere, org-admin in its own organization, tenant-admin in its own
     * tenant; nobody grants a built-in role above its own highest.
     * Errors: INVALID_ARGUMENT (user fields; tenant of another organization),
     * PERMISSION_DENIED, NOT_FOUND (organization or tenant), ALREADY_EXISTS (id).
     * </pre>
     */
    public void createUser(dev.roster.v1.CreateUserRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateUserMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a user with its access keys and configuration.
     * Errors: INVALID_ARGUMENT (id), PERMISSION_DENIED (outside scope, or the
     * user ranks above the caller), NOT_FOUND, FAILED_PRECONDITION (deleting
     * oneself, or the last super-admin).
     * </pre>
     */
    public void deleteUser(dev.roster.v1.DeleteUserRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteUserMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Replaces the mutable fields of a user (name, email, tenant_id, org_id,
     * variables, roles) with the request's: every one, or those `update_mask`
     * names; an empty `org_id` keeps the current organization. Moving a user
     * to another organization needs super-admin.
     * Errors: INVALID_ARGUMENT (user fields, update_mask), PERMISSION_DENIED,
     * NOT_FOUND, FAILED_PRECONDITION (demoting the last super-admin).
     * </pre>
     */
    public void updateUser(dev.roster.v1.UpdateUserRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateUserMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists users of an organization (or of one of its tenants), sorted by id;
     * with `lookup_user_id`, only that user. A tenant-admin sees its own
     * tenant's users.
     * Errors: INVALID_ARGUMENT (page_size, page_token, lookup ids),
     * PERMISSION_DENIED, NOT_FOUND (organization or tenant).
     * </pre>
     */
    public void listUsers(dev.roster.v1.ListUsersRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.ListUsersResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListUsersMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Creates a tenant. Needs super-admin, or org-admin of the tenant's
     * organization. An empty `org_id` means the caller's organization.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND (organization),
     * ALREADY_EXISTS (id).
     * </pre>
     */
    public void createTenant(dev.roster.v1.CreateTenantRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateTenantMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Replaces a tenant's name and variables (both, or those `update_mask`
     * names). A tenant's organization never changes: an empty `org_id` keeps
     * it, another one is INVALID_ARGUMENT.
     * Errors: INVALID_ARGUMENT (tenant fields, update_mask), PERMISSION_DENIED,
     * NOT_FOUND.
     * </pre>
     */
    public void updateTenant(dev.roster.v1.UpdateTenantRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateTenantMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a tenant that has no users.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND,
     * FAILED_PRECONDITION (the tenant still has users).
     * </pre>
     */
    public void deleteTenant(dev.roster.v1.DeleteTenantRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteTenantMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the tenants of an organization, sorted by id. A tenant-admin sees
     * only its own tenant.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND (organization).
     * </pre>
     */
    public void listTenants(dev.roster.v1.ListTenantsRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.ListTenantsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListTenantsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Creates an organization. Super-admin only.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, ALREADY_EXISTS (id).
     * </pre>
     */
    public void createOrganization(dev.roster.v1.CreateOrganizationRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateOrganizationMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Replaces an organization's name and variables (both, or those
     * `update_mask` names). Super-admin, or org-admin of that organization.
     * Errors: INVALID_ARGUMENT (organization fields, update_mask),
     * PERMISSION_DENIED, NOT_FOUND.
     * </pre>
     */
    public void updateOrganization(dev.roster.v1.UpdateOrganizationRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateOrganizationMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes an organization that has no tenants and no users. Super-admin
     * only.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND,
     * FAILED_PRECONDITION (the organization still has tenants or users).
     * </pre>
     */
    public void deleteOrganization(dev.roster.v1.DeleteOrganizationRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteOrganizationMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists organizations sorted by id: every one to a super-admin, its own to
     * an org-admin.
     * Errors: INVALID_ARGUMENT (page_size, page_token), PERMISSION_DENIED.
     * </pre>
     */
    public void listOrganizations(dev.roster.v1.ListOrganizationsRequest request,
        io.grpc.stub.StreamObserver<dev.roster.v1.ListOrganizationsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListOrganizationsMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * UserService manages organizations, their tenants and users, and each user's
   * access keys and personal configuration.
   * Built-in roles: `super-admin` (every organization), `org-admin` (its own
   * organization), `tenant-admin` (its own tenant) and `user` (itself). Any
   * other role string is an application role: stored and returned, granting
   * nothing inside roster.
   * </pre>
   */
  public static final class UserServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<UserServiceBlockingStub> {
    private UserServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected UserServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new UserServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an access key for the calling user and returns its secret. The
     * secret is returned only here, once; roster keeps only its SHA-256 digest.
     * Errors: INVALID_ARGUMENT (name), ALREADY_EXISTS (the caller already has a
     * key of that name), RESOURCE_EXHAUSTED (the caller already has 100 keys).
     * </pre>
     */
    public dev.roster.v1.GetAccessKeyResponse createAccessKey(dev.roster.v1.CreateAccessKeyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateAccessKeyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the calling user's access keys, sorted by name, with the secret
     * redacted (`rk_…` and its last 4 characters).
     * Errors: INVALID_ARGUMENT (page_size, page_token).
     * </pre>
     */
    public dev.roster.v1.GetAccessKeyResponse listAccessKeys(dev.roster.v1.GetAccessKeyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListAccessKeysMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes the named access keys of the calling user, all or none, in one
     * transaction. A deleted key fails its very next call. With
     * `allow_missing`, names the caller has no key of are skipped.
     * Errors: INVALID_ARGUMENT (names empty or malformed), NOT_FOUND (without
     * `allow_missing`: a name the caller has no key of; then nothing is
     * deleted).
     * </pre>
     */
    public dev.roster.v1.DelAccessKeyResponse deleteAccessKey(dev.roster.v1.DelAccessKeyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteAccessKeyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns the calling user: id, name, email, roles in the order given and
     * the union of their permissions, sorted and without duplicates.
     * </pre>
     */
    public dev.roster.v1.GetUserInfoResponse getInfo(dev.roster.v1.GetUserInfoRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetInfoMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Merges `updated` into the calling user's configuration and removes the
     * `deleted` keys in one transaction, then returns the whole configuration.
     * An empty request only reads it.
     * Errors: INVALID_ARGUMENT (a key both updated and deleted, a malformed key,
     * a request over the limits by itself), RESOURCE_EXHAUSTED (the stored
     * configuration would exceed 256 keys or 256 KiB).
     * </pre>
     */
    public dev.roster.v1.UpdateConfigResponse updateConfig(dev.roster.v1.UpdateConfigRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateConfigMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Creates a user. Needs `users:write` over the destination: super-admin
     * anywhere, org-admin in its own organization, tenant-admin in its own
     * tenant; nobody grants a built-in role above its own highest.
     * Errors: INVALID_ARGUMENT (user fields; tenant of another organization),
     * PERMISSION_DENIED, NOT_FOUND (organization or tenant), ALREADY_EXISTS (id).
     * </pre>
     */
    public dev.roster.v1.CommonResponse createUser(dev.roster.v1.CreateUserRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateUserMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a user with its access keys and configuration.
     * Errors: INVALID_ARGUMENT (id), PERMISSION_DENIED (outside scope, or the
     * user ranks above the caller), NOT_FOUND, FAILED_PRECONDITION (deleting
     * oneself, or the last super-admin).
     * </pre>
     */
    public dev.roster.v1.CommonResponse deleteUser(dev.roster.v1.DeleteUserRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteUserMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces the mutable fields of a user (name, email, tenant_id, org_id,
     * variables, roles) with the request's: every one, or those `update_mask`
     * names; an empty `org_id` keeps the current organization. Moving a user
     * to another organization needs super-admin.
     * Errors: INVALID_ARGUMENT (user fields, update_mask), PERMISSION_DENIED,
     * NOT_FOUND, FAILED_PRECONDITION (demoting the last super-admin).
     * </pre>
     */
    public dev.roster.v1.CommonResponse updateUser(dev.roster.v1.UpdateUserRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateUserMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists users of an organization (or of one of its tenants), sorted by id;
     * with `lookup_user_id`, only that user. A tenant-admin sees its own
     * tenant's users.
     * Errors: INVALID_ARGUMENT (page_size, page_token, lookup ids),
     * PERMISSION_DENIED, NOT_FOUND (organization or tenant).
     * </pre>
     */
    public dev.roster.v1.ListUsersResponse listUsers(dev.roster.v1.ListUsersRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListUsersMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Creates a tenant. Needs super-admin, or org-admin of the tenant's
     * organization. An empty `org_id` means the caller's organization.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND (organization),
     * ALREADY_EXISTS (id).
     * </pre>
     */
    public dev.roster.v1.CommonResponse createTenant(dev.roster.v1.CreateTenantRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateTenantMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces a tenant's name and variables (both, or those `update_mask`
     * names). A tenant's organization never changes: an empty `org_id` keeps
     * it, another one is INVALID_ARGUMENT.
     * Errors: INVALID_ARGUMENT (tenant fields, update_mask), PERMISSION_DENIED,
     * NOT_FOUND.
     * </pre>
     */
    public dev.roster.v1.CommonResponse updateTenant(dev.roster.v1.UpdateTenantRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateTenantMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a tenant that has no users.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND,
     * FAILED_PRECONDITION (the tenant still has users).
     * </pre>
     */
    public dev.roster.v1.CommonResponse deleteTenant(dev.roster.v1.DeleteTenantRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteTenantMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the tenants of an organization, sorted by id. A tenant-admin sees
     * only its own tenant.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND (organization).
     * </pre>
     */
    public dev.roster.v1.ListTenantsResponse listTenants(dev.roster.v1.ListTenantsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListTenantsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Creates an organization. Super-admin only.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, ALREADY_EXISTS (id).
     * </pre>
     */
    public dev.roster.v1.CommonResponse createOrganization(dev.roster.v1.CreateOrganizationRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateOrganizationMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces an organization's name and variables (both, or those
     * `update_mask` names). Super-admin, or org-admin of that organization.
     * Errors: INVALID_ARGUMENT (organization fields, update_mask),
     * PERMISSION_DENIED, NOT_FOUND.
     * </pre>
     */
    public dev.roster.v1.CommonResponse updateOrganization(dev.roster.v1.UpdateOrganizationRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateOrganizationMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes an organization that has no tenants and no users. Super-admin
     * only.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND,
     * FAILED_PRECONDITION (the organization still has tenants or users).
     * </pre>
     */
    public dev.roster.v1.CommonResponse deleteOrganization(dev.roster.v1.DeleteOrganizationRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteOrganizationMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists organizations sorted by id: every one to a super-admin, its own to
     * an org-admin.
     * Errors: INVALID_ARGUMENT (page_size, page_token), PERMISSION_DENIED.
     * </pre>
     */
    public dev.roster.v1.ListOrganizationsResponse listOrganizations(dev.roster.v1.ListOrganizationsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListOrganizationsMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * UserService manages organizations, their tenants and users, and each user's
   * access keys and personal configuration.
   * Built-in roles: `super-admin` (every organization), `org-admin` (its own
   * organization), `tenant-admin` (its own tenant) and `user` (itself). Any
   * other role string is an application role: stored and returned, granting
   * nothing inside roster.
   * </pre>
   */
  public static final class UserServiceFutureStub extends io.grpc.stub.AbstractFutureStub<UserServiceFutureStub> {
    private UserServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected UserServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new UserServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an access key for the calling user and returns its secret. The
     * secret is returned only here, once; roster keeps only its SHA-256 digest.
     * Errors: INVALID_ARGUMENT (name), ALREADY_EXISTS (the caller already has a
     * key of that name), RESOURCE_EXHAUSTED (the caller already has 100 keys).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.GetAccessKeyResponse> createAccessKey(
        dev.roster.v1.CreateAccessKeyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateAccessKeyMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the calling user's access keys, sorted by name, with the secret
     * redacted (`rk_…` and its last 4 characters).
     * Errors: INVALID_ARGUMENT (page_size, page_token).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.GetAccessKeyResponse> listAccessKeys(
        dev.roster.v1.GetAccessKeyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListAccessKeysMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes the named access keys of the calling user, all or none, in one
     * transaction. A deleted key fails its very next call. With
     * `allow_missing`, names the caller has no key of are skipped.
     * Errors: INVALID_ARGUMENT (names empty or malformed), NOT_FOUND (without
     * `allow_missing`: a name the caller has no key of; then nothing is
     * deleted).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.DelAccessKeyResponse> deleteAccessKey(
        dev.roster.v1.DelAccessKeyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteAccessKeyMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns the calling user: id, name, email, roles in the order given and
     * the union of their permissions, sorted and without duplicates.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.GetUserInfoResponse> getInfo(
        dev.roster.v1.GetUserInfoRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetInfoMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Merges `updated` into the calling user's configuration and removes the
     * `deleted` keys in one transaction, then returns the whole configuration.
     * An empty request only reads it.
     * Errors: INVALID_ARGUMENT (a key both updated and deleted, a malformed key,
     * a request over the limits by itself), RESOURCE_EXHAUSTED (the stored
     * configuration would exceed 256 keys or 256 KiB).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.UpdateConfigResponse> updateConfig(
        dev.roster.v1.UpdateConfigRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateConfigMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Creates a user. Needs `users:write` over the destination: super-admin
     * anywhere, org-admin in its own organization, tenant-admin in its own
     * tenant; nobody grants a built-in role above its own highest.
     * Errors: INVALID_ARGUMENT (user fields; tenant of another organization),
     * PERMISSION_DENIED, NOT_FOUND (organization or tenant), ALREADY_EXISTS (id).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.CommonResponse> createUser(
        dev.roster.v1.CreateUserRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateUserMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a user with its access keys and configuration.
     * Errors: INVALID_ARGUMENT (id), PERMISSION_DENIED (outside scope, or the
     * user ranks above the caller), NOT_FOUND, FAILED_PRECONDITION (deleting
     * oneself, or the last super-admin).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.CommonResponse> deleteUser(
        dev.roster.v1.DeleteUserRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteUserMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Replaces the mutable fields of a user (name, email, tenant_id, org_id,
     * variables, roles) with the request's: every one, or those `update_mask`
     * names; an empty `org_id` keeps the current organization. Moving a user
     * to another organization needs super-admin.
     * Errors: INVALID_ARGUMENT (user fields, update_mask), PERMISSION_DENIED,
     * NOT_FOUND, FAILED_PRECONDITION (demoting the last super-admin).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.CommonResponse> updateUser(
        dev.roster.v1.UpdateUserRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateUserMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists users of an organization (or of one of its tenants), sorted by id;
     * with `lookup_user_id`, only that user. A tenant-admin sees its own
     * tenant's users.
     * Errors: INVALID_ARGUMENT (page_size, page_token, lookup ids),
     * PERMISSION_DENIED, NOT_FOUND (organization or tenant).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.ListUsersResponse> listUsers(
        dev.roster.v1.ListUsersRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListUsersMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Creates a tenant. Needs super-admin, or org-admin of the tenant's
     * organization. An empty `org_id` means the caller's organization.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND (organization),
     * ALREADY_EXISTS (id).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.CommonResponse> createTenant(
        dev.roster.v1.CreateTenantRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateTenantMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Replaces a tenant's name and variables (both, or those `update_mask`
     * names). A tenant's organization never changes: an empty `org_id` keeps
     * it, another one is INVALID_ARGUMENT.
     * Errors: INVALID_ARGUMENT (tenant fields, update_mask), PERMISSION_DENIED,
     * NOT_FOUND.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.CommonResponse> updateTenant(
        dev.roster.v1.UpdateTenantRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateTenantMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a tenant that has no users.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND,
     * FAILED_PRECONDITION (the tenant still has users).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.CommonResponse> deleteTenant(
        dev.roster.v1.DeleteTenantRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteTenantMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the tenants of an organization, sorted by id. A tenant-admin sees
     * only its own tenant.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND (organization).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.ListTenantsResponse> listTenants(
        dev.roster.v1.ListTenantsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListTenantsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Creates an organization. Super-admin only.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, ALREADY_EXISTS (id).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.CommonResponse> createOrganization(
        dev.roster.v1.CreateOrganizationRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateOrganizationMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Replaces an organization's name and variables (both, or those
     * `update_mask` names). Super-admin, or org-admin of that organization.
     * Errors: INVALID_ARGUMENT (organization fields, update_mask),
     * PERMISSION_DENIED, NOT_FOUND.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.CommonResponse> updateOrganization(
        dev.roster.v1.UpdateOrganizationRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateOrganizationMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes an organization that has no tenants and no users. Super-admin
     * only.
     * Errors: INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND,
     * FAILED_PRECONDITION (the organization still has tenants or users).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.CommonResponse> deleteOrganization(
        dev.roster.v1.DeleteOrganizationRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteOrganizationMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists organizations sorted by id: every one to a super-admin, its own to
     * an org-admin.
     * Errors: INVALID_ARGUMENT (page_size, page_token), PERMISSION_DENIED.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.roster.v1.ListOrganizationsResponse> listOrganizations(
        dev.roster.v1.ListOrganizationsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListOrganizationsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_ACCESS_KEY = 0;
  private static final int METHODID_LIST_ACCESS_KEYS = 1;
  private static final int METHODID_DELETE_ACCESS_KEY = 2;
  private static final int METHODID_GET_INFO = 3;
  private static final int METHODID_UPDATE_CONFIG = 4;
  private static final int METHODID_CREATE_USER = 5;
  private static final int METHODID_DELETE_USER = 6;
  private static final int METHODID_UPDATE_USER = 7;
  private static final int METHODID_LIST_USERS = 8;
  private static final int METHODID_CREATE_TENANT = 9;
  private static final int METHODID_UPDATE_TENANT = 10;
  private static final int METHODID_DELETE_TENANT = 11;
  private static final int METHODID_LIST_TENANTS = 12;
  private static final int METHODID_CREATE_ORGANIZATION = 13;
  private static final int METHODID_UPDATE_ORGANIZATION = 14;
  private static final int METHODID_DELETE_ORGANIZATION = 15;
  private static final int METHODID_LIST_ORGANIZATIONS = 16;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final UserServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(UserServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CREATE_ACCESS_KEY:
          serviceImpl.createAccessKey((dev.roster.v1.CreateAccessKeyRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.GetAccessKeyResponse>) responseObserver);
          break;
        case METHODID_LIST_ACCESS_KEYS:
          serviceImpl.listAccessKeys((dev.roster.v1.GetAccessKeyRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.GetAccessKeyResponse>) responseObserver);
          break;
        case METHODID_DELETE_ACCESS_KEY:
          serviceImpl.deleteAccessKey((dev.roster.v1.DelAccessKeyRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.DelAccessKeyResponse>) responseObserver);
          break;
        case METHODID_GET_INFO:
          serviceImpl.getInfo((dev.roster.v1.GetUserInfoRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.GetUserInfoResponse>) responseObserver);
          break;
        case METHODID_UPDATE_CONFIG:
          serviceImpl.updateConfig((dev.roster.v1.UpdateConfigRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.UpdateConfigResponse>) responseObserver);
          break;
        case METHODID_CREATE_USER:
          serviceImpl.createUser((dev.roster.v1.CreateUserRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse>) responseObserver);
          break;
        case METHODID_DELETE_USER:
          serviceImpl.deleteUser((dev.roster.v1.DeleteUserRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse>) responseObserver);
          break;
        case METHODID_UPDATE_USER:
          serviceImpl.updateUser((dev.roster.v1.UpdateUserRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse>) responseObserver);
          break;
        case METHODID_LIST_USERS:
          serviceImpl.listUsers((dev.roster.v1.ListUsersRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.ListUsersResponse>) responseObserver);
          break;
        case METHODID_CREATE_TENANT:
          serviceImpl.createTenant((dev.roster.v1.CreateTenantRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse>) responseObserver);
          break;
        case METHODID_UPDATE_TENANT:
          serviceImpl.updateTenant((dev.roster.v1.UpdateTenantRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse>) responseObserver);
          break;
        case METHODID_DELETE_TENANT:
          serviceImpl.deleteTenant((dev.roster.v1.DeleteTenantRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse>) responseObserver);
          break;
        case METHODID_LIST_TENANTS:
          serviceImpl.listTenants((dev.roster.v1.ListTenantsRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.ListTenantsResponse>) responseObserver);
          break;
        case METHODID_CREATE_ORGANIZATION:
          serviceImpl.createOrganization((dev.roster.v1.CreateOrganizationRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse>) responseObserver);
          break;
        case METHODID_UPDATE_ORGANIZATION:
          serviceImpl.updateOrganization((dev.roster.v1.UpdateOrganizationRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse>) responseObserver);
          break;
        case METHODID_DELETE_ORGANIZATION:
          serviceImpl.deleteOrganization((dev.roster.v1.DeleteOrganizationRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.CommonResponse>) responseObserver);
          break;
        case METHODID_LIST_ORGANIZATIONS:
          serviceImpl.listOrganizations((dev.roster.v1.ListOrganizationsRequest) request,
              (io.grpc.stub.StreamObserver<dev.roster.v1.ListOrganizationsResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class UserServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    UserServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.roster.v1.UserOuterClass.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("UserService");
    }
  }

  private static final class UserServiceFileDescriptorSupplier
      extends UserServiceBaseDescriptorSupplier {
    UserServiceFileDescriptorSupplier() {}
  }

  private static final class UserServiceMethodDescriptorSupplier
      extends UserServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    UserServiceMethodDescriptorSupplier(String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (UserServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new UserServiceFileDescriptorSupplier())
              .addMethod(getCreateAccessKeyMethod())
              .addMethod(getListAccessKeysMethod())
              .addMethod(getDeleteAccessKeyMethod())
              .addMethod(getGetInfoMethod())
              .addMethod(getUpdateConfigMethod())
              .addMethod(getCreateUserMethod())
              .addMethod(getDeleteUserMethod())
              .addMethod(getUpdateUserMethod())
              .addMethod(getListUsersMethod())
              .addMethod(getCreateTenantMethod())
              .addMethod(getUpdateTenantMethod())
              .addMethod(getDeleteTenantMethod())
              .addMethod(getListTenantsMethod())
              .addMethod(getCreateOrganizationMethod())
              .addMethod(getUpdateOrganizationMethod())
              .addMethod(getDeleteOrganizationMethod())
              .addMethod(getListOrganizationsMethod())
              .build();
        }
      }
    }
    return result;
  }
}
