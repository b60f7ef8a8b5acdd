build-san/obj/src/dev/printer.o: src/dev/printer.c \
 include/retour/printer.h
include/retour/printer.h:
