#include "agent/config/secret_file.h"

#include <gtest/gtest.h>

#include "unit/config/temp_dir.h"

namespace scim_agent {
namespace {

TEST(SecretFileTest, StripsTrailingNewlines) {
  TempDir dir;
  auto read = readSecretFile(dir.write("s", "s3cret\r\n\n"), "serve.eventSecretFile");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(*read, "s3cret");
  // Only trailing ones: inner newlines and spaces are the secret's.
  read = readSecretFile(dir.write("t", " a\nb \n"), "serve.eventSecretFile");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, " a\nb ");
}

TEST(SecretFileTest, EmptyIsInvalidInputNamingKeyAndPath) {
  TempDir dir;
  const std::string path = dir.write("empty", "\n\r\n");
  auto read = readSecretFile(path, "notify.webhook.secretFile");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(read.error().message, "cannot read notify.webhook.secretFile " + path + ": is empty");
}

TEST(SecretFileTest, UnreadableIsIoNamingKeyAndPath) {
  TempDir dir;
  auto missing = readSecretFile(dir.file("missing"), "serve.eventSecretFile");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kIo);
  EXPECT_EQ(missing.error().message, "cannot read serve.eventSecretFile " + dir.file("missing") +
                                         ": No such file or directory");
  auto directory = readSecretFile(dir.path(), "serve.eventSecretFile");
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().code, ErrorCode::kIo);
  EXPECT_EQ(directory.error().message,
            "cannot read serve.eventSecretFile " + dir.path() + ": is a directory");
}

}  // namespace
}  // namespace scim_agent
