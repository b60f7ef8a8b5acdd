build-san/obj/src/dev/gpio.o: src/dev/gpio.c include/retour/gpio.h
include/retour/gpio.h:
