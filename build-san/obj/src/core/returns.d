build-san/obj/src/core/returns.o: src/core/returns.c \
 include/retour/returns.h
include/retour/returns.h:
