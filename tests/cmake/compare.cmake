# compare: the foundation (decode, flow table, TCP reassembly) against independent tools.
# compare.tcpflow: --dump-streams byte for byte against tcpflow's files;
# compare.tshark_conv: --flows per 5-tuple against tshark -z conv,tcp / conv,udp.
# Allowed differences are named per category in the scripts and in docs/reassembly-differences.md.
find_program(ZS_TCPFLOW tcpflow)
find_program(ZS_TSHARK tshark)
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND AND ZS_TCPFLOW AND ZS_TSHARK)
  add_test(NAME compare.tcpflow
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/compare_tcpflow.py
                   --sensor ${ZS_BIN} --corpus ${ZS_CORPUS}
                   --list ${CMAKE_SOURCE_DIR}/tests/tools/tcpflow-captures.txt)
  set_tests_properties(compare.tcpflow PROPERTIES TIMEOUT 180 LABELS compare)
endif()
if(Python3_Interpreter_FOUND AND ZS_TSHARK)
  add_test(NAME compare.tshark_conv
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/compare_tshark_conv.py
                   --sensor ${ZS_BIN} --corpus ${ZS_CORPUS}
                   --list ${CMAKE_SOURCE_DIR}/tests/tools/tshark-conv-captures.txt)
  set_tests_properties(compare.tshark_conv PROPERTIES TIMEOUT 120 LABELS compare)
endif()
