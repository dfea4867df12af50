# Generates the manual pages (compressed as Debian installs them) and the bash completion with
# the istmo program itself (examples/cli/manual.hpp). Run by examples/CMakeLists.txt:
#   cmake -DISTMO_CLI=... -DMAN_DIR=... -DCOMPLETION=... -P generate_manual.cmake
file(REMOVE_RECURSE ${MAN_DIR})
execute_process(COMMAND ${ISTMO_CLI} --generate-man ${MAN_DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "istmo --generate-man failed (${rc})")
endif()
file(GLOB_RECURSE pages ${MAN_DIR}/*.1)
execute_process(COMMAND gzip -9nf ${pages} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip of the manual pages failed (${rc})")
endif()
get_filename_component(completion_dir ${COMPLETION} DIRECTORY)
file(MAKE_DIRECTORY ${completion_dir})
execute_process(COMMAND ${ISTMO_CLI} --generate-completion bash OUTPUT_FILE ${COMPLETION} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "istmo --generate-completion bash failed (${rc})")
endif()
