# soc: the SOC join keys (Community ID, JA4/JA4S, HASSH) against independent tools on the
# shared corpus; the vocabulary of records.jsonl and zertdump's agreement with it.
find_program(ZS_TSHARK tshark)
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND AND ZS_TSHARK AND EXISTS ${ZS_CORPUS}/INDEX.tsv)
  add_test(NAME soc.community_id
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/check_community_id.py
                   --sensor ${ZS_BIN} --dump $<TARGET_FILE:zertdump> --corpus ${ZS_CORPUS})
  set_tests_properties(soc.community_id PROPERTIES TIMEOUT 600 LABELS "compare;soc")
endif()
if(Python3_Interpreter_FOUND AND ZS_TSHARK AND EXISTS ${ZS_CORPUS}/INDEX.tsv)
  add_test(NAME soc.fingerprints
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/check_fingerprints.py
                   --sensor ${ZS_BIN} --corpus ${ZS_CORPUS})
  set_tests_properties(soc.fingerprints PROPERTIES TIMEOUT 900 LABELS "compare;soc")
endif()
if(Python3_Interpreter_FOUND AND EXISTS ${ZS_CORPUS}/INDEX.tsv)
  add_test(NAME soc.vocabulary
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/check_vocabulary.py
                   --sensor ${ZS_BIN} --dump $<TARGET_FILE:zertdump> --corpus ${ZS_CORPUS}
                   --source ${CMAKE_SOURCE_DIR})
  set_tests_properties(soc.vocabulary PROPERTIES TIMEOUT 900 LABELS "soc")
endif()
