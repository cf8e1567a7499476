# ndpi.cmake - the nDPI second opinion in --observations ("ndpi", "ndpi_agrees"): exact values on
# TLS/SSH captures on non-standard ports, and every TLS/SSH corpus flow against ndpiReader (the
# same libndpi 4.2) on the 5-tuple. See docs/ndpi.md.
find_program(ZS_NDPIREADER ndpiReader)
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND AND ZS_NDPIREADER AND EXISTS ${ZS_CORPUS}/INDEX.tsv)
  add_test(NAME ndpi.opinion
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/check_ndpi.py
                   --sensor ${ZS_BIN} --corpus ${ZS_CORPUS} --reader ${ZS_NDPIREADER})
  set_tests_properties(ndpi.opinion PROPERTIES TIMEOUT 900 LABELS "compare;ndpi")
endif()
