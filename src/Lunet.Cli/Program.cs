// Placeholder entry until the command lands.
return 0;
