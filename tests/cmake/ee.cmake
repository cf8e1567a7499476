# ee: the synthetic Enterprise Extender capture (pcaps/make-ee.py) against its manifest, tshark's
# LLC/SNA decode field by field, and the sensor's --observations (ports, SAP pairs, RTP pipes).
find_program(ZS_TSHARK tshark)
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND AND ZS_TSHARK)
  add_test(NAME compare.ee
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/compare_ee.py
                   --sensor ${ZS_BIN} --tshark ${ZS_TSHARK}
                   --pcap ${CMAKE_SOURCE_DIR}/pcaps/ee-sample.pcap
                   --manifest ${CMAKE_SOURCE_DIR}/pcaps/ee-sample.expected.json
                   --generator ${CMAKE_SOURCE_DIR}/pcaps/make-ee.py)
  set_tests_properties(compare.ee PROPERTIES TIMEOUT 120 LABELS "compare;ee")
endif()
