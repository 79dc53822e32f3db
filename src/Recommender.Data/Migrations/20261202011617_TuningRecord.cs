using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Recommender.Data.Migrations
{
    /// <inheritdoc />
    public partial class TuningRecord : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Tuning",
                table: "model_versions",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Tuning",
                table: "model_versions");
        }
    }
}
