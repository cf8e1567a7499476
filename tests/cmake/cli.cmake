# cli: what the user of the command line sees (tests/tools/cli.py): cli.glance the protection on
# each flow line and the tally, against tshark; cli.progress on a terminal only; cli.interrupt
# SIGTERM/SIGINT leave whole outputs; cli.exits the exit status of both tools and one-line
# errors; cli.stdout -o -; cli.sid the configured SMF system id in every header; cli.zos zert.smf
# as docs/zos-import.md describes it: RDW stream, VBS blocks full but as said, the same records.
find_package(Python3 COMPONENTS Interpreter)
find_program(ZS_TSHARK_CLI tshark)
if(Python3_Interpreter_FOUND AND ZS_TSHARK_CLI AND TARGET zertdump)
  foreach(group glance progress interrupt exits stdout sid zos)
    add_test(NAME cli.${group}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/cli.py
                     --sensor ${ZS_BIN} --dump $<TARGET_FILE:zertdump> --source ${CMAKE_SOURCE_DIR}
                     --corpus ${ZS_CORPUS} ${group})
    set_tests_properties(cli.${group} PROPERTIES TIMEOUT 600 LABELS cli)
  endforeach()
endif()
