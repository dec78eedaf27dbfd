#include <iostream>

#include "command.hpp"

int main(int argc, char** argv) {
  tactful::cli::Args args(argv + 1, argv + argc);
  return tactful::cli::run_cli(args, std::cin, std::cout, std::cerr);
}
