build-san/obj/src/core/rules.o: src/core/rules.c \
 include/retour/civil_time.h include/retour/rules.h \
 include/retour/returns.h
include/retour/civil_time.h:
include/retour/rules.h:
include/retour/returns.h:
