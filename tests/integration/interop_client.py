#!/usr/bin/python3
"""A plain grpcio client (Debian's python3-grpcio) calling a micro-cpp greeter.

Usage: interop_client.py GEN_DIR HOST:PORT
GEN_DIR holds the protoc --python_out output for helloworld/greeter.proto and
grpc/health/v1/health.proto. Prints one line per check; exits non-zero on any mismatch.
"""
import importlib.util
import os
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
from helloworld import greeter_pb2  # noqa: E402

# The generated grpc/health/v1 package is shadowed by the installed grpc package, so load
# the module from its file.
_spec = importlib.util.spec_from_file_location(
    "health_pb2", os.path.join(sys.argv[1], "grpc", "health", "v1", "health_pb2.py"))
health_pb2 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(health_pb2)

address = sys.argv[2]
channel = grpc.insecure_channel(address)
grpc.channel_ready_future(channel).result(timeout=10)

say_hello = channel.unary_unary(
    "/helloworld.Greeter/SayHello",
    request_serializer=greeter_pb2.HelloRequest.SerializeToString,
    response_deserializer=greeter_pb2.HelloReply.FromString)
reply = say_hello(greeter_pb2.HelloRequest(name="Python"), timeout=5,
                  metadata=[("x-interop", "yes")])
assert reply.message == "Hello, Python", reply
print("unary:", reply.message)

try:
    say_hello(greeter_pb2.HelloRequest(name=""), timeout=5)
    raise AssertionError("empty name was accepted")
except grpc.RpcError as e:
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e
    print("error:", e.code().name, e.details())

stream_hellos = channel.unary_stream(
    "/helloworld.Greeter/StreamHellos",
    request_serializer=greeter_pb2.HelloRequest.SerializeToString,
    response_deserializer=greeter_pb2.HelloReply.FromString)
messages = [r.message for r in stream_hellos(greeter_pb2.HelloRequest(name="Py", count=3),
                                             timeout=5)]
assert messages == ["Hello, Py #1", "Hello, Py #2", "Hello, Py #3"], messages
print("server-streaming:", messages)

collect = channel.stream_unary(
    "/helloworld.Greeter/CollectHellos",
    request_serializer=greeter_pb2.HelloRequest.SerializeToString,
    response_deserializer=greeter_pb2.HelloReply.FromString)
reply = collect(iter([greeter_pb2.HelloRequest(name=n) for n in ("Ann", "Bob")]), timeout=5)
print("client-streaming:", reply.message)
assert "Ann" in reply.message and "Bob" in reply.message, reply

chat = channel.stream_stream(
    "/helloworld.Greeter/Chat",
    request_serializer=greeter_pb2.HelloRequest.SerializeToString,
    response_deserializer=greeter_pb2.HelloReply.FromString)
replies = [r.message for r in chat(iter([greeter_pb2.HelloRequest(name=n) for n in ("x", "y")]),
                                   timeout=5)]
print("bidi:", replies)
assert len(replies) == 2, replies

check = channel.unary_unary(
    "/grpc.health.v1.Health/Check",
    request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
    response_deserializer=health_pb2.HealthCheckResponse.FromString)
status = check(health_pb2.HealthCheckRequest(service=""), timeout=5).status
assert status == health_pb2.HealthCheckResponse.SERVING, status
print("health: SERVING")
print("interop ok")
