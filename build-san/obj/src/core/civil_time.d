build-san/obj/src/core/civil_time.o: src/core/civil_time.c \
 include/retour/civil_time.h
include/retour/civil_time.h:
