# ipsec: IKE SAs and ESP/AH SPIs against tshark and the corpus baselines (suricata-verify,
# zeek-spicy-ipsec, arkime), and every IPsec corpus capture with no sanitizer report.
find_package(Python3 COMPONENTS Interpreter)
find_program(ZS_TSHARK tshark)
if(Python3_FOUND AND EXISTS ${ZS_CORPUS}/INDEX.tsv)
  add_test(NAME ipsec.corpus_sanitizers
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/compare_ipsec.py
                   --sanitizers-only ${ZS_BIN} ${ZS_CORPUS})
  if(ZS_TSHARK)
    add_test(NAME ipsec.compare_tshark
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/compare_ipsec.py
                     ${ZS_BIN} ${ZS_CORPUS})
    set_tests_properties(ipsec.compare_tshark PROPERTIES TIMEOUT 600)
  endif()
endif()
