# capture: the input layer (sensor/capture*.c) on captures pcaps/make-capture-inputs.py makes and
# on corpus captures, against Wireshark's reader (capinfos, tshark), mergecap and tcpdump.
# capture.times: pcap seconds from 2038 to 2106, pcapng resolutions/offsets, saturation;
# capture.pcapng: interfaces of different link types and snaplens, byte orders, sections;
# capture.damage: truncated and corrupt pcapng (exit 2, the block's offset named);
# capture.streams: gzip/xz/zstd by magic bytes, stdin, concatenated captures;
# capture.merge: several -r and -r DIR in time order, as mergecap; capture.filter: BPF;
# capture.tunnels: GTP-U and GENEVE give the records of the unwrapped connection;
# corpus.packet_count: every corpus capture read as far as capinfos reads it.
find_program(ZS_CAPINFOS capinfos)
find_program(ZS_MERGECAP mergecap)
find_program(ZS_TCPDUMP tcpdump)
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND AND ZS_CAPINFOS AND ZS_MERGECAP AND ZS_TCPDUMP)
  foreach(group times pcapng damage streams merge filter tunnels)
    add_test(NAME capture.${group}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/capture_inputs.py
                     --sensor ${ZS_BIN} --source ${CMAKE_SOURCE_DIR} --corpus ${ZS_CORPUS} ${group})
    set_tests_properties(capture.${group} PROPERTIES TIMEOUT 300 LABELS capture)
  endforeach()
  add_test(NAME corpus.packet_count
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/tools/corpus_packet_count.py
                   ${ZS_BIN} ${ZS_CORPUS})
  set_tests_properties(corpus.packet_count PROPERTIES TIMEOUT 600)
endif()
