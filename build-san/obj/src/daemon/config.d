build-san/obj/src/daemon/config.o: src/daemon/config.c \
 include/retour/config.h include/retour/rules.h include/retour/returns.h
include/retour/config.h:
include/retour/rules.h:
include/retour/returns.h:
