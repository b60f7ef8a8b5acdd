build-san/obj/src/dev/printer_tcp.o: src/dev/printer_tcp.c \
 include/retour/printer.h
include/retour/printer.h:
