# ssh: the SSH dissector against independent tools on the shared corpus.
# compare.ssh: Zeek's ssh.log baselines (algorithms, banners, host key fingerprint), RFC 4253
# section 7.1 recomputed from tshark's KEXINIT fields, and arkime's stored host key blobs.
# Allowed differences are named per category in tests/tools/compare_ssh.py and docs/ssh.md.
find_program(ZS_TSHARK tshark)
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND AND ZS_TSHARK AND EXISTS ${ZS_CORPUS}/INDEX.tsv)
  add_test(NAME compare.ssh
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/compare_ssh.py
                   --sensor ${ZS_BIN} --corpus ${ZS_CORPUS})
  set_tests_properties(compare.ssh PROPERTIES TIMEOUT 600 LABELS "compare;ssh")
endif()
