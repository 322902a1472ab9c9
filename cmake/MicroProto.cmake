# micro_add_proto(<target> PROTOS <files...> [PROTO_ROOT <dir>] [IMPORT_DIRS <dirs...>]
#                 [NO_MICRO])
#
# Runs protoc on each .proto: C++ messages (--cpp_out) and, unless NO_MICRO, micro's
# service code (--micro_out: handler interface, registration function, typed client).
# Generated files go to ${CMAKE_CURRENT_BINARY_DIR}/gen, which is added to the target's
# public include path, so `#include "helloworld/greeter.micro.h"` works.
function(micro_add_proto target)
  cmake_parse_arguments(ARG "NO_MICRO" "PROTO_ROOT" "PROTOS;IMPORT_DIRS" ${ARGN})
  if(NOT ARG_PROTO_ROOT)
    set(ARG_PROTO_ROOT ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${out})
  set(import_flags -I${ARG_PROTO_ROOT} -I${PROJECT_SOURCE_DIR}/proto)
  foreach(dir ${ARG_IMPORT_DIRS})
    list(APPEND import_flags -I${dir})
  endforeach()

  set(generated)
  foreach(proto ${ARG_PROTOS})
    get_filename_component(abs ${proto} ABSOLUTE)
    file(RELATIVE_PATH rel ${ARG_PROTO_ROOT} ${abs})
    string(REGEX REPLACE "\\.proto$" "" stem ${rel})
    set(outs ${out}/${stem}.pb.cc ${out}/${stem}.pb.h)
    set(plugin_flags)
    set(plugin_deps)
    if(NOT ARG_NO_MICRO)
      list(APPEND outs ${out}/${stem}.micro.cc ${out}/${stem}.micro.h)
      set(plugin_flags --plugin=protoc-gen-micro=$<TARGET_FILE:protoc-gen-micro> --micro_out=${out})
      set(plugin_deps protoc-gen-micro)
    endif()
    add_custom_command(
      OUTPUT ${outs}
      COMMAND protobuf::protoc ${import_flags} --cpp_out=${out} ${plugin_flags} ${abs}
      DEPENDS ${abs} protobuf::protoc ${plugin_deps}
      COMMENT "protoc ${rel}"
      VERBATIM)
    list(APPEND generated ${outs})
  endforeach()
  target_sources(${target} PRIVATE ${generated})
  target_include_directories(${target} SYSTEM PUBLIC ${out})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf)
endfunction()
