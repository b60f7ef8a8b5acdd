build-san/obj/src/api/expected_json.o: src/api/expected_json.c \
 include/retour/civil_time.h include/retour/code.h \
 include/retour/expected_json.h include/retour/returns.h \
 include/retour/rules.h
include/retour/civil_time.h:
include/retour/code.h:
include/retour/expected_json.h:
include/retour/returns.h:
include/retour/rules.h:
